"""Create the role groups (accounts/roles.py) with the admin permissions each role needs."""

from django.db import migrations

ROLE_PERMISSIONS = {
    "Admins": None,  # every permission of the people and recognition apps
    "Front desk": [
        "view_employee",
        "view_visitor",
        "add_visitor",
        "change_visitor",
        "view_facephoto",
        "add_facephoto",
        "view_verification",
    ],
    "API clients": [],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label__in=["accounts", "recognition"]
        )
        if codenames is not None:
            permissions = permissions.filter(codename__in=codenames)
        group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("recognition", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
