"""Our values in the shapes of Rekognition's requests and answers, and back.

Images go as `S3Object` when the photo is already in the S3 bucket of the default storage, and
as bytes otherwise. Either way Rekognition must see the upright pixels `PreparedImage` holds, as
it gives boxes in the coordinates of what it saw (and, with face models after 3.0, neither turns
an image by its EXIF orientation nor says how it lies): an image that EXIF turns upright (whose
raw pixels lie on their side), or that is not JPEG/PNG, or that is over the 5 MB byte limit, is
sent as a JPEG re-encoded from the upright pixels, scaled down until it fits. Boxes come back as
ratios, which do not change with scale, so they still fit the original image in pixels.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from PIL import Image, ImageDraw, UnidentifiedImageError

from vision.boxes import BoxFraction, BoxPx
from vision.faces.base import DetectedFace, FaceRejected, FaceRejection
from vision.images import PreparedImage

MAX_BYTES = 5 * 1024 * 1024  # Rekognition's limit for image bytes ...
MAX_S3_OBJECT_BYTES = 15 * 1024 * 1024  # ... and for an S3 object
FORMATS = {"JPEG", "PNG"}  # what Rekognition reads
EXIF_ORIENTATION = 0x0112
S3_BACKENDS = {"storages.backends.s3.S3Storage", "storages.backends.s3boto3.S3Boto3Storage"}

# Why Rekognition left a face out, as our rejection reasons, in the order a face with several
# reasons is reported (the quality gate's order: size, light, sharpness). LOW_FACE_QUALITY is
# Rekognition's overall quality bar, mostly blur and noise: "too blurry" is nearest. A face it
# is not confident is a face (LOW_CONFIDENCE), or turned too far from the camera (EXTREME_POSE),
# is not a usable face: the local engine's frontal detector would not have found it either.
REJECTIONS = {
    "EXCEEDS_MAX_FACES": FaceRejection.SEVERAL_FACES,
    "SMALL_BOUNDING_BOX": FaceRejection.FACE_TOO_SMALL,
    "LOW_BRIGHTNESS": FaceRejection.TOO_DARK,
    "LOW_SHARPNESS": FaceRejection.TOO_BLURRY,
    "LOW_FACE_QUALITY": FaceRejection.TOO_BLURRY,
    "EXTREME_POSE": FaceRejection.NO_FACE,
    "LOW_CONFIDENCE": FaceRejection.NO_FACE,
}
REJECTION_DETAILS = {
    "SMALL_BOUNDING_BOX": "the face is too small",
    "LOW_BRIGHTNESS": "the face is too dark to recognise",
    "LOW_SHARPNESS": "the face is too blurry to recognise",
    "LOW_FACE_QUALITY": "the face's quality is too low to recognise",
    "EXTREME_POSE": "the face is turned too far from the camera",
    "LOW_CONFIDENCE": "no clear face found in the photo",
}


def image_param(image: PreparedImage) -> dict[str, Any]:
    """The request's `Image`: the S3 object the photo is stored in, or its bytes."""
    as_stored = image.format in FORMATS and is_upright(image.content)
    if as_stored and image.storage_name and len(image.content) <= MAX_S3_OBJECT_BYTES:
        location = s3_object(image.storage_name)
        if location:
            return {"S3Object": location}
    if as_stored and len(image.content) <= MAX_BYTES:
        return {"Bytes": image.content}
    return {"Bytes": upright_jpeg(image)}


def s3_object(storage_name: str) -> dict[str, str] | None:
    """Where the default storage keeps a file, when that storage is an S3 bucket."""
    storage = settings.STORAGES.get("default", {})
    if storage.get("BACKEND") not in S3_BACKENDS:
        return None
    options = storage.get("OPTIONS", {})
    if options.get("endpoint_url"):
        return None  # an S3-compatible server, not one Rekognition can read from
    bucket = options.get("bucket_name") or getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        return None
    prefix = (options.get("location") or getattr(settings, "AWS_LOCATION", "")).strip("/")
    return {"Bucket": bucket, "Name": f"{prefix}/{storage_name}" if prefix else storage_name}


def is_upright(content: bytes) -> bool:
    """Whether the raw pixels are upright (no EXIF turn), as Rekognition would read them."""
    try:
        orientation = Image.open(io.BytesIO(content)).getexif().get(EXIF_ORIENTATION, 1)
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        return True  # unreadable EXIF: `prepare_image` did not turn the image either
    return orientation in (0, 1)


def upright_jpeg(image: PreparedImage) -> bytes:
    """The upright pixels as a JPEG under Rekognition's byte limit, scaled down if need be."""
    pixels = image.pixels
    while True:
        out = io.BytesIO()
        pixels.save(out, "JPEG", quality=90)
        if out.tell() <= MAX_BYTES:
            return out.getvalue()
        scale = 0.9 * (MAX_BYTES / out.tell()) ** 0.5
        pixels = pixels.resize(
            (max(1, round(pixels.width * scale)), max(1, round(pixels.height * scale)))
        )


def face_box(ratios: dict[str, float], image: PreparedImage) -> BoxPx:
    """A box of ratios (which may reach past the edges) in pixels of the image, clipped to it."""
    left = min(max(ratios.get("Left", 0.0), 0.0), 1.0)
    top = min(max(ratios.get("Top", 0.0), 0.0), 1.0)
    right = min(max(ratios.get("Left", 0.0) + ratios.get("Width", 0.0), left), 1.0)
    bottom = min(max(ratios.get("Top", 0.0) + ratios.get("Height", 0.0), top), 1.0)
    x0, y0 = round(left * image.width), round(top * image.height)
    return BoxPx(
        left=x0,
        top=y0,
        width=round(right * image.width) - x0,
        height=round(bottom * image.height) - y0,
    )


def detected_face(detail: dict[str, Any], image: PreparedImage) -> DetectedFace:
    """A FaceDetail as a face: brightness on our 0-255 scale, sharpness on Rekognition's 0-100."""
    quality = detail.get("Quality", {})
    return DetectedFace(
        box=face_box(detail["BoundingBox"], image),
        confidence=detail.get("Confidence", 0.0),
        sharpness=quality.get("Sharpness", 0.0),
        brightness=quality.get("Brightness", 0.0) * 255 / 100,
    )


def rejection_for(left_out: list[dict[str, Any]]) -> FaceRejected:
    """Why no face was usable: the reasons Rekognition gave for the largest face it left out."""
    if not left_out:
        return FaceRejected(FaceRejection.NO_FACE, "no face found in the photo")
    largest = max(
        left_out,
        key=lambda face: _area(face.get("FaceDetail") or face.get("FaceDetails") or {}),
    )
    for reason, rejection in REJECTIONS.items():
        if reason in largest.get("Reasons", []):
            return FaceRejected(rejection, REJECTION_DETAILS.get(reason, ""))
    return FaceRejected(FaceRejection.NO_FACE, "no usable face found in the photo")


def _area(detail: dict[str, Any]) -> float:
    box = detail.get("BoundingBox", {})
    return box.get("Width", 0.0) * box.get("Height", 0.0)


def ratio_box(ratios: dict[str, float]) -> BoxFraction:
    """A BoundingBox (ratios, which may reach past the edges) clipped to the image."""
    return BoxFraction.clipped(
        ratios.get("Left", 0.0),
        ratios.get("Top", 0.0),
        ratios.get("Width", 0.0),
        ratios.get("Height", 0.0),
    )


# --- one face at a time ---------------------------------------------------------------------------
MIN_CROP_SIDE_PX = 80  # Rekognition's smallest image
FACE_MARGIN = 0.5  # of the face's width (height) on each side: Rekognition finds a face in context
BLANK = (128, 128, 128)  # what other faces in a crop are painted over with


def face_crop(
    image: PreparedImage, face: DetectedFace, others: Sequence[DetectedFace]
) -> tuple[PreparedImage, BoxPx]:
    """The face with a margin as a JPEG image of its own, every other face in it painted over
    (unless it overlaps this one), at least `MIN_CROP_SIDE_PX` a side; and where the face lies
    in it.

    Built directly rather than by `prepare_image`: a crop is no upload, and may be smaller than
    uploads must be.
    """
    box = face.box
    margin_x, margin_y = round(box.width * FACE_MARGIN), round(box.height * FACE_MARGIN)
    left, top = max(0, box.left - margin_x), max(0, box.top - margin_y)
    right = max(min(image.width, box.left + box.width + margin_x), left + 1)
    bottom = max(min(image.height, box.top + box.height + margin_y), top + 1)
    pixels = image.pixels.crop((left, top, right, bottom))
    draw = ImageDraw.Draw(pixels)
    for other in others:
        if other is not face and not other.box.overlaps(box):
            draw.rectangle(
                (
                    other.box.left - left,
                    other.box.top - top,
                    other.box.left + other.box.width - left - 1,
                    other.box.top + other.box.height - top - 1,
                ),
                fill=BLANK,
            )
    scale = max(1.0, MIN_CROP_SIDE_PX / min(pixels.size))
    if scale > 1:
        pixels = pixels.resize(
            (round(pixels.width * scale), round(pixels.height * scale)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=90)
    where = BoxPx(
        left=round((box.left - left) * scale),
        top=round((box.top - top) * scale),
        width=round(box.width * scale),
        height=round(box.height * scale),
    )
    return PreparedImage(content=out.getvalue(), format="JPEG", pixels=pixels), where


def centred_in(found: BoxPx, expected: BoxPx) -> bool:
    """Whether the centre of the face a search found lies in the face it was meant to search."""
    return expected.contains_centre_of(found)
