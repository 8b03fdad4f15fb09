"""The hosts' group, and the visits' permissions for admins and the front desk
(accounts/roles.py)."""

from django.db import migrations

from accounts.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_visits_are_records"),
        ("visits", "0002_one_visit_per_visitor"),
        ("recognition", "0009_verification_visit"),
        ("notifications", "0002_visit_events"),
    ]

    operations = [migrations.RunPython(grant_in_migration, migrations.RunPython.noop)]
