"""What the `rekognition` engine sends as an image (its own bytes, upright bytes, or the S3
object the photo is stored in) and how the boxes it gets back fit the image: vision/aws/shapes.py.
"""

from __future__ import annotations

import io
import os

import pytest
from django.db import transaction
from PIL import Image

from accounts import services as people
from accounts.models import FacePhoto
from tests.aws import MEDIA_BUCKET
from tests.factories import enroll, make_employee
from tests.rekognition_stubs import Captured
from tests.uploads import encode, upright_with_orientation
from vision.boxes import BoxPx
from vision.images import prepare_image


# --- images: bytes or S3 objects ------------------------------------------------------------------
def sent(aws, content: bytes) -> tuple[dict, BoxPx]:
    """The `Image` the engine sends to DetectFaces for an upload, and the box it reports for
    a face Rekognition finds at (0.5, 0.25, 0.25, 0.5) of what it was sent."""
    aws.image = Captured()
    aws.detects((0.5, 0.25, 0.25, 0.5))
    (face,) = aws.collection.detect_faces(prepare_image(content))
    return aws.image.value, face.box


def test_an_upright_jpeg_goes_as_its_own_bytes(aws, portrait):
    assert sent(aws, portrait)[0] == {"Bytes": portrait}


def test_an_exif_turned_photo_goes_upright_so_boxes_fit_the_upright_image(aws, portrait):
    upright = Image.open(io.BytesIO(portrait)).convert("RGB").resize((300, 200))
    turned = upright_with_orientation(upright, 6)  # stored 200x300, shown 300x200

    image, box = sent(aws, turned)

    upright_jpeg = Image.open(io.BytesIO(image["Bytes"]))
    assert (upright_jpeg.format, upright_jpeg.size) == ("JPEG", (300, 200))
    assert upright_jpeg.getexif().get(0x0112, 1) == 1
    assert (box.left, box.top, box.width, box.height) == (150, 50, 75, 100)


def test_a_webp_goes_as_a_jpeg(aws, portrait):
    webp = encode(Image.open(io.BytesIO(portrait)), "WEBP")
    assert Image.open(io.BytesIO(sent(aws, webp)[0]["Bytes"])).format == "JPEG"


def test_an_image_over_5_mb_is_sent_smaller(aws):
    noise = Image.frombytes("RGB", (2400, 1600), os.urandom(2400 * 1600 * 3))
    content = encode(noise, "JPEG", quality=100)
    assert len(content) > 5 * 1024 * 1024

    smaller = sent(aws, content)[0]["Bytes"]

    assert len(smaller) <= 5 * 1024 * 1024
    width, height = Image.open(io.BytesIO(smaller)).size
    assert abs(width / height - 1.5) < 0.01


def test_boxes_reaching_past_the_edges_are_clipped(aws, portrait):
    aws.detects((-0.1, 0.9, 0.3, 0.2))
    (face,) = aws.collection.detect_faces(prepare_image(portrait))  # 250x250
    assert (face.box.left, face.box.top, face.box.width, face.box.height) == (0, 225, 50, 25)


@pytest.mark.django_db(transaction=True)
@pytest.mark.s3_media(prefix="media")
def test_a_photo_in_s3_is_indexed_from_its_s3_object(aws, s3_media, faces, person):
    employee = make_employee(person)
    key = Captured(r"media/photos/\d+/[0-9a-f]{32}\.jpg")
    aws.image = {"S3Object": {"Bucket": MEDIA_BUCKET, "Name": key}}
    aws.enrols(str(employee.pk))

    (photo,) = enroll(employee, faces.of(person)[0])

    assert photo.state == FacePhoto.State.INDEXED
    assert key.value == f"media/{photo.image.name}"
    stored = s3_media.get_object(Bucket=MEDIA_BUCKET, Key=key.value)["Body"].read()
    assert stored == faces.of(person)[0].read_bytes()


@pytest.mark.django_db(transaction=True)
@pytest.mark.s3_media(prefix="media")
def test_a_turned_photo_in_s3_is_indexed_from_upright_bytes(aws, s3_media, faces, person):
    employee = make_employee(person)
    upright = Image.open(faces.of(person)[0]).convert("RGB").resize((250, 200))
    sent = Captured()
    aws.image = {"Bytes": sent}
    aws.enrols(str(employee.pk))

    with transaction.atomic():
        photo = people.photo_enroll(person=employee, upload=upright_with_orientation(upright, 8))
    photo.refresh_from_db()

    assert photo.state == FacePhoto.State.INDEXED
    assert Image.open(io.BytesIO(sent.value)).size == (250, 200)  # stored 200x250
