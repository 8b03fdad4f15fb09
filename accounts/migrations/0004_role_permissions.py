"""Give each role's group its admin permissions (accounts/roles.py), now over every app the admin
shows: admins manage image analyses and API tokens too. Run again by the tests after a flush."""

from django.db import migrations

from accounts.roles import grant_role_permissions


def grant(apps, schema_editor) -> None:
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():  # the permissions exist only after post_migrate
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    grant_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_face_store_and_photo_claims"),
        ("recognition", "0003_face_store_moved_and_match_context"),
        ("insight", "0002_analysis_claims"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
