"""Every stored face vector and every indexed photo records the face model that made it, so that
a search never compares vectors of two models, and photos of an earlier one can be re-indexed.
What is indexed already was made by dlib's ResNet (local vectors) or by the Rekognition
collection in settings (photos whose face is not stored here)."""

from django.conf import settings
from django.db import migrations, models

EARLIER_LOCAL_MODEL = "dlib-resnet-v1"


def record_models(apps, schema_editor) -> None:
    StoredFace = apps.get_model("accounts", "StoredFace")
    FacePhoto = apps.get_model("accounts", "FacePhoto")
    StoredFace.objects.update(model=EARLIER_LOCAL_MODEL)
    local_faces = {str(face_id) for face_id in StoredFace.objects.values_list("face_id", flat=True)}
    rekognition = f"rekognition/{settings.IMAGESIFT_REKOGNITION_COLLECTION}"
    for photo in FacePhoto.objects.exclude(face_id="").only("pk", "face_id"):
        model = EARLIER_LOCAL_MODEL if photo.face_id in local_faces else rekognition
        FacePhoto.objects.filter(pk=photo.pk).update(face_model=model)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_role_permissions")]

    operations = [
        migrations.AddField(
            model_name="storedface",
            name="model",
            field=models.CharField(db_index=True, default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="facephoto",
            name="face_model",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.RunPython(record_models, migrations.RunPython.noop),
    ]
