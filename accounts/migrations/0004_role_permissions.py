"""Give each role's group its admin permissions (accounts/roles.py), now over every app the admin
shows: admins manage image analyses and API tokens too. Run again by the tests after a flush."""

from django.db import migrations

from accounts.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_face_store_and_photo_claims"),
        ("recognition", "0003_face_store_moved_and_match_context"),
        ("insight", "0002_analysis_claims"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(grant_in_migration, migrations.RunPython.noop)]
