"""Pictures with text in them, which the local engine's OCR reads back word for word."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

# Two lines, as the engine's own test draws them (tests/vision/test_local_analysis.py).
SIGN_LINES = ("ImageSift", "Visitor pass 2024")


def sign(lines: tuple[str, ...] = SIGN_LINES, image_format: str = "PNG") -> bytes:
    """Black lines of large type on a white 900 x 360 picture, top to bottom."""
    picture = Image.new("RGB", (900, 360), "white")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=64)
    for number, line in enumerate(lines):
        draw.text((60, 50 + 170 * number), line, fill="black", font=font)
    buffer = io.BytesIO()
    picture.save(buffer, image_format)
    return buffer.getvalue()
