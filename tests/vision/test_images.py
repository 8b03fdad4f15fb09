"""The image check every upload goes through: what it accepts, what it refuses and why."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops, ImageStat

from tests.uploads import (
    BAD_UPLOAD_IDS,
    BAD_UPLOADS,
    encode,
    png_bomb,
    upright_with_orientation,
)
from vision.errors import ImageRejected
from vision.images import prepare_image


@pytest.fixture(scope="module")
def face_jpeg(faces) -> bytes:
    """A real 250x250 face photo."""
    return faces.of("Jackie_Chan")[3].read_bytes()


def rejection(upload) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        prepare_image(upload)
    return caught.value


# --- what is accepted ---------------------------------------------------------------------------
def test_a_real_jpeg_is_decoded_to_rgb_and_keeps_its_bytes(face_jpeg):
    image = prepare_image(face_jpeg)
    assert (image.format, image.extension, image.content_type) == ("JPEG", ".jpg", "image/jpeg")
    assert (image.width, image.height) == (250, 250)
    assert image.pixels.mode == "RGB"
    assert image.content == face_jpeg  # what is stored is what was sent


@pytest.mark.parametrize(
    ("image_format", "mode", "extension"),
    [
        ("PNG", "RGBA", ".png"),
        ("PNG", "P", ".png"),
        ("PNG", "I;16", ".png"),
        ("WEBP", "RGB", ".webp"),
    ],
)
def test_png_and_webp_of_any_mode_become_rgb(image_format, mode, extension):
    image = prepare_image(encode(Image.new(mode, (120, 90)), image_format))
    assert (image.format, image.extension, image.pixels.mode) == (image_format, extension, "RGB")
    assert image.pixels.size == (120, 90)


def test_a_phone_camera_mpo_is_taken_as_the_jpeg_it_is(face_jpeg):
    photo = Image.open(io.BytesIO(face_jpeg))
    mpo = encode(photo, "MPO", save_all=True, append_images=[photo.resize((100, 100))])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"

    image = prepare_image(mpo)

    assert (image.format, image.extension, image.content_type) == ("JPEG", ".jpg", "image/jpeg")
    assert image.pixels.size == (250, 250)


def test_an_uploaded_file_object_is_read_from_its_start(face_jpeg):
    upload = SimpleUploadedFile("face.jpg", face_jpeg, content_type="image/jpeg")
    upload.read(100)  # a form field already peeked at it
    assert prepare_image(upload).content == face_jpeg


def test_the_smallest_allowed_image_passes(settings):
    image = prepare_image(encode(Image.new("RGB", (80, 80))))
    assert image.pixels.size == (settings.IMAGESIFT_MIN_IMAGE_PX,) * 2


# --- EXIF orientation ---------------------------------------------------------------------------
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_turns_the_pixels_upright(orientation):
    upright = Image.new("RGB", (300, 200), "white")
    upright.paste((255, 0, 0), (0, 0, 60, 40))  # a red mark in the top-left corner

    image = prepare_image(upright_with_orientation(upright, orientation))

    assert image.pixels.size == (300, 200)
    red, green, blue = image.pixels.getpixel((10, 10))
    assert red > 200 and green < 60 and blue < 60
    assert image.pixels.getpixel((290, 190)) > (200, 200, 200)


def test_a_rotated_real_photo_with_orientation_is_decoded_upright(face_jpeg):
    upright = Image.open(io.BytesIO(face_jpeg)).convert("RGB").crop((0, 0, 250, 200))

    image = prepare_image(upright_with_orientation(upright, 6))

    assert image.pixels.size == (250, 200)
    difference = ImageStat.Stat(ImageChops.difference(image.pixels, upright)).mean
    assert max(difference) < 8  # only JPEG re-encoding noise, no turned face


@pytest.mark.parametrize("image_format", ["PNG", "WEBP", "JPEG"])
def test_unreadable_exif_is_ignored_not_fatal(image_format):
    broken_exif = b"Exif\x00\x00" + b"not a TIFF header" * 3
    upload = encode(Image.new("RGB", (200, 150), "white"), image_format, exif=broken_exif)
    assert prepare_image(upload).pixels.size == (200, 150)


# --- what is refused ----------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "build", "status", "codes"), BAD_UPLOADS, ids=BAD_UPLOAD_IDS)
def test_bad_uploads_are_refused_with_a_reason(face_jpeg, name, build, status, codes):
    refused = rejection(build(face_jpeg))
    assert refused.code in codes
    assert refused.status == status
    assert refused.message.endswith(".") and len(refused.message) > 15


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_unsupported_formats_are_named_in_the_message(image_format):
    refused = rejection(encode(Image.new("RGB", (100, 100)), image_format))
    assert refused.message.startswith(f"{image_format} images are not supported")
    assert "JPEG" in refused.message


def test_an_image_under_the_minimum_side_says_its_size():
    refused = rejection(encode(Image.new("RGB", (300, 79))))
    assert refused.message == "The image is 300x79 px; both sides must be at least 80 px."


def test_a_bomb_pillow_refuses_on_sight_is_413(settings):
    refused = rejection(png_bomb(20_000, 20_000))
    assert refused.status == 413
    assert f"{settings.IMAGESIFT_MAX_IMAGE_PIXELS:,} pixels" in refused.message


def test_the_pixel_limit_is_a_setting(settings):
    settings.IMAGESIFT_MAX_IMAGE_PIXELS = 1_000_000
    refused = rejection(png_bomb(1_200, 1_000))
    assert (refused.status, refused.code) == (413, "image_too_many_pixels")
    assert "1200x1000 px" in refused.message
    assert prepare_image(png_bomb(1_000, 1_000)).pixels.size == (1_000, 1_000)


def test_a_file_over_the_size_limit_is_413(settings, face_jpeg):
    settings.IMAGESIFT_MAX_UPLOAD_MB = 0.005  # about 5 kB; the photo is larger
    assert len(face_jpeg) > 0.005 * 1024 * 1024

    for upload in (face_jpeg, SimpleUploadedFile("face.jpg", face_jpeg)):
        refused = rejection(upload)
        assert (refused.status, refused.code) == (413, "file_too_large")
        assert "the limit is 0.005 MB" in refused.message


def test_a_stream_without_a_size_is_cut_at_the_limit(settings, face_jpeg):
    settings.IMAGESIFT_MAX_UPLOAD_MB = 0.005
    refused = rejection(io.BytesIO(face_jpeg))
    assert refused.code == "file_too_large"


def test_a_corrupt_image_is_refused_in_our_words_not_pillows(face_jpeg):
    refused = rejection(face_jpeg[: len(face_jpeg) // 2])

    assert (refused.code, refused.message) == (
        "corrupt_image",
        "The image is truncated or corrupt: its pixels cannot be read.",
    )
