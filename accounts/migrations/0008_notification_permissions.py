"""Give the admins the permissions of the outbox (webhook endpoints, deliveries) and of the
gallery measurements (accounts/roles.py)."""

from django.db import migrations

from accounts.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_photo_advice"),
        ("notifications", "0001_initial"),
        ("recognition", "0007_gallery_measurement_and_kiosk"),
    ]

    operations = [migrations.RunPython(grant_in_migration, migrations.RunPython.noop)]
