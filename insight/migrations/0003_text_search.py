"""Text search: the text lines of each analysis as one string, and on PostgreSQL the pg_trgm
extension and a trigram index of that string's upper case, which serves both the `?text=`
substring match (`UPPER(text_content) LIKE UPPER('%…%')`) and the word-similarity match.

On SQLite the extension and the index are no-ops: there the search scans the column.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

INDEX = "analysis_text_trgm"
BATCH = 2000


def fill_text_content(apps, schema_editor):
    """The text of the analyses made before this column: their lines, space-separated (as
    `insight.services` writes it from now on)."""
    ImageAnalysis = apps.get_model("insight", "ImageAnalysis")
    changed = []
    rows = ImageAnalysis.objects.only("pk", "text_lines").order_by("pk")
    for analysis in rows.iterator(chunk_size=BATCH):
        lines = analysis.text_lines or []
        text = " ".join(word for line in lines for word in str(line.get("text", "")).split())
        if text:
            analysis.text_content = text
            changed.append(analysis)
        if len(changed) >= BATCH:
            ImageAnalysis.objects.bulk_update(changed, ["text_content"])
            changed = []
    ImageAnalysis.objects.bulk_update(changed, ["text_content"])


def create_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON insight_imageanalysis "
            "USING gin (UPPER(text_content) gin_trgm_ops)"
        )


def drop_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("insight", "0002_analysis_claims")]

    operations = [
        migrations.AddField(
            model_name="imageanalysis",
            name="text_content",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(fill_text_content, migrations.RunPython.noop, elidable=True),
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm; nothing on SQLite
        migrations.RunPython(create_text_index, drop_text_index),
    ]
