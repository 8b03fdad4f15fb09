from django.db import migrations


def create_collection(apps, schema_editor):
    apps.get_model("recognition", "CollectionVersion").objects.get_or_create(name="local")


class Migration(migrations.Migration):
    dependencies = [("recognition", "0001_initial")]

    operations = [migrations.RunPython(create_collection, migrations.RunPython.noop)]
