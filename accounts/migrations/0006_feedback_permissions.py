"""Give the roles the permissions of decision feedback (accounts/roles.py): the front desk may
read and add marks on decisions."""

from django.db import migrations

from accounts.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_face_models"),
        ("recognition", "0005_decision_feedback"),
    ]

    operations = [migrations.RunPython(grant_in_migration, migrations.RunPython.noop)]
