"""The local face collection's tables move here from the recognition app (their rows with them),
and photos get the claim of the indexing task."""

import uuid

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("recognition", "0002_local_collection"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StoredFace",
                    fields=[
                        (
                            "face_id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("person_key", models.CharField(db_index=True, max_length=64)),
                        ("vector", models.BinaryField()),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={"db_table": "recognition_storedface"},
                ),
                migrations.CreateModel(
                    name="CollectionVersion",
                    fields=[
                        (
                            "name",
                            models.CharField(max_length=64, primary_key=True, serialize=False),
                        ),
                        ("version", models.BigIntegerField(default=0)),
                    ],
                    options={"db_table": "recognition_collectionversion"},
                ),
            ],
        ),
        migrations.AlterModelTable(name="storedface", table=None),
        migrations.AlterModelTable(name="collectionversion", table=None),
        migrations.AddField(
            model_name="facephoto",
            name="claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="facephoto",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("indexing", "Indexing"),
                    ("indexed", "Indexed"),
                    ("rejected", "Rejected"),
                    ("removed", "Face removed"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="facephoto",
            index=models.Index(fields=["state", "created_at"], name="photo_state"),
        ),
    ]
