"""Builders of uploads, good and bad, shared by the image, API and admin tests."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

EXIF_ORIENTATION = 0x0112


def encode(image: Image.Image, image_format: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width x height black pixels, a few kB on disk.

    Written by hand so that building it needs no width x height buffer in memory.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def with_corrupt_body(jpeg: bytes) -> bytes:
    """The JPEG's headers intact, every byte after them random."""
    scan_start = jpeg.index(b"\xff\xda")
    noise = random.Random(7).randbytes(len(jpeg) - scan_start - 20)
    return jpeg[: scan_start + 20] + noise


def upright_with_orientation(upright: Image.Image, orientation: int) -> bytes:
    """A JPEG whose pixels are turned so that a viewer honouring `orientation` shows `upright`."""
    stored = {
        3: upright.transpose(Image.Transpose.ROTATE_180),
        6: upright.transpose(Image.Transpose.ROTATE_90),  # the viewer turns it 90° clockwise
        8: upright.transpose(Image.Transpose.ROTATE_270),  # ... 90° counter-clockwise
    }[orientation]
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return encode(stored, "JPEG", quality=95, exif=exif)


# (name, builder from a real JPEG's bytes, HTTP status, codes a client may get)
BAD_UPLOADS: list[tuple[str, Callable[[bytes], bytes], int, set[str]]] = [
    ("plain text", lambda jpeg: b"Name,Badge\nAda,42\n" * 20, 400, {"not_an_image"}),
    ("truncated JPEG", lambda jpeg: jpeg[: len(jpeg) // 2], 400, {"corrupt_image"}),
    ("corrupt body", with_corrupt_body, 400, {"corrupt_image", "not_an_image"}),
    ("empty file", lambda jpeg: b"", 400, {"empty_file"}),
    (
        "too small",
        lambda jpeg: encode(Image.open(io.BytesIO(jpeg)).resize((79, 120))),
        400,
        {"image_too_small"},
    ),
    ("GIF", lambda jpeg: encode(Image.open(io.BytesIO(jpeg)), "GIF"), 415, {"unsupported_format"}),
    ("BMP", lambda jpeg: encode(Image.open(io.BytesIO(jpeg)), "BMP"), 415, {"unsupported_format"}),
    (
        "TIFF",
        lambda jpeg: encode(Image.open(io.BytesIO(jpeg)), "TIFF"),
        415,
        {"unsupported_format"},
    ),
    (
        "decompression bomb",
        lambda jpeg: png_bomb(20_000, 20_000),
        413,
        {"image_too_many_pixels"},
    ),
]
BAD_UPLOAD_IDS = [name for name, *_ in BAD_UPLOADS]


def upload(content: bytes, name: str = "probe.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def sample_photo(name: str, image_format: str = "JPEG") -> bytes:
    """One of the real photos scikit-image ships ("astronaut", "coffee", "chelsea"), encoded."""
    import skimage.data  # slow to import: only where the samples are used

    return encode(Image.fromarray(getattr(skimage.data, name)()), image_format, quality=92)


def strip_png(width: int = 80, height: int = 60_000) -> bytes:
    """A one-colour PNG of an extreme shape: a few kB, and a scaled copy less than 1 px wide."""
    return encode(Image.new("RGB", (width, height), (200, 200, 200)), "PNG")
