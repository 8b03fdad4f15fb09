from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("insight", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="imageanalysis",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="imageanalysis",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                ],
                default="pending",
                max_length=8,
            ),
        ),
    ]
