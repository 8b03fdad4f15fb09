"""Checking and decoding uploaded images before any engine sees them."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from vision.errors import ImageRejected

SUPPORTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class PreparedImage:
    """A decoded, orientation-corrected RGB image and the bytes it came from.

    `storage_name` names the file in the default storage that holds those bytes, when they are
    stored already, so that an engine may read them from there (an S3 object) instead.
    """

    content: bytes
    format: str
    pixels: Image.Image
    storage_name: str = ""

    @property
    def width(self) -> int:
        return self.pixels.width

    @property
    def height(self) -> int:
        return self.pixels.height

    @property
    def extension(self) -> str:
        return {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[self.format]

    @property
    def content_type(self) -> str:
        return SUPPORTED_FORMATS[self.format]


def read_upload(upload: IO[bytes] | bytes) -> bytes:
    """The bytes of an upload, refusing it early when it is over the configured size."""
    max_bytes = int(settings.IMAGESIFT_MAX_UPLOAD_MB * 1024 * 1024)
    if isinstance(upload, bytes):
        content = upload
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes:
            raise _too_large(size)
        if hasattr(upload, "seek"):
            upload.seek(0)
        content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _too_large(len(content))
    if not content:
        raise ImageRejected("empty_file", "The uploaded file is empty.")
    return content


def _too_large(size: int) -> ImageRejected:
    limit = settings.IMAGESIFT_MAX_UPLOAD_MB
    return ImageRejected(
        "file_too_large",
        f"The file is {size / 1024 / 1024:.1f} MB; the limit is {limit:g} MB.",
        status=413,
    )


def prepare_image(upload: IO[bytes] | bytes, *, storage_name: str = "") -> PreparedImage:
    """Decode an upload into a `PreparedImage`, or raise `ImageRejected` saying what is wrong.

    Refuses non-images, unsupported formats, truncated or corrupt files, decompression bombs,
    files over the size limit and images under the minimum side; honours EXIF orientation.
    """
    content = read_upload(upload)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            # Phone cameras write MPO: a JPEG with extra pictures (depth map, preview) appended.
            image_format = "JPEG" if image.format == "MPO" else image.format or ""
            if image_format not in SUPPORTED_FORMATS:
                raise ImageRejected(
                    "unsupported_format",
                    f"{image_format or 'This'} images are not supported; "
                    f"send {', '.join(SUPPORTED_FORMATS)}.",
                    status=415,
                )
            width, height = image.size
            if width * height > settings.IMAGESIFT_MAX_IMAGE_PIXELS:
                raise _bomb(f"{width}x{height} px")
            image.load()
    except ImageRejected:
        raise
    except UnidentifiedImageError:
        raise ImageRejected("not_an_image", "The file is not an image.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb("too many pixels") from None  # refused by Pillow before any size is known
    except (OSError, SyntaxError, ValueError):  # Pillow's own words stay in Pillow
        raise ImageRejected(
            "corrupt_image", "The image is truncated or corrupt: its pixels cannot be read."
        ) from None

    min_side = settings.IMAGESIFT_MIN_IMAGE_PX
    if min(width, height) < min_side:
        raise ImageRejected(
            "image_too_small",
            f"The image is {width}x{height} px; both sides must be at least {min_side} px.",
        )
    try:
        upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError):
        upright = image  # unreadable EXIF: there is no orientation to honour
    pixels = upright.convert("RGB")
    return PreparedImage(
        content=content, format=image_format, pixels=pixels, storage_name=storage_name
    )


def _bomb(size: str) -> ImageRejected:
    return ImageRejected(
        "image_too_many_pixels",
        f"The image has {size}, over the limit of {settings.IMAGESIFT_MAX_IMAGE_PIXELS:,} pixels.",
        status=413,
    )
