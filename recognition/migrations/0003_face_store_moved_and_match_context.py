"""The local face collection's tables now belong to the accounts app; each verification records
the match threshold in force and the face model that measured it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recognition", "0002_local_collection"),
        ("accounts", "0003_face_store_and_photo_claims"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="StoredFace"),
                migrations.DeleteModel(name="CollectionVersion"),
            ],
        ),
        migrations.AddField(
            model_name="verification",
            name="match_threshold",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="verification",
            name="face_model",
            field=models.CharField(blank=True, max_length=200),
        ),
    ]
