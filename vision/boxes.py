"""Boxes, named for their units: `BoxPx` in pixels, `BoxFraction` in fractions of the image."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoxPx:
    """A box in pixels of the (orientation-corrected) image."""

    left: int
    top: int
    width: int
    height: int

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def shorter_side(self) -> int:
        return min(self.width, self.height)

    def contains_centre_of(self, other: BoxPx) -> bool:
        """Whether the centre of `other` lies inside this box."""
        x, y = other.left + other.width / 2, other.top + other.height / 2
        return self.left <= x <= self.left + self.width and self.top <= y <= self.top + self.height

    def overlaps(self, other: BoxPx) -> bool:
        return (
            self.left < other.left + other.width
            and other.left < self.left + self.width
            and self.top < other.top + other.height
            and other.top < self.top + self.height
        )

    def as_dict(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class BoxFraction:
    """A box as fractions (0-1) of the image's width and height, as Rekognition gives them."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def from_px(cls, box: BoxPx, *, image_width_px: int, image_height_px: int) -> BoxFraction:
        return cls.clipped(
            box.left / image_width_px,
            box.top / image_height_px,
            box.width / image_width_px,
            box.height / image_height_px,
        )

    @classmethod
    def clipped(cls, left: float, top: float, width: float, height: float) -> BoxFraction:
        """The part of a box that lies inside the image."""
        right, bottom = min(1.0, left + width), min(1.0, top + height)
        left, top = min(1.0, max(0.0, left)), min(1.0, max(0.0, top))
        return cls(left, top, max(0.0, right - left), max(0.0, bottom - top))

    def as_dict(self) -> dict[str, float]:
        return {
            "left": round(self.left, 4),
            "top": round(self.top, 4),
            "width": round(self.width, 4),
            "height": round(self.height, 4),
        }
