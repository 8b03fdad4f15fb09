"""The recognition engine interface and the small values that cross it.

Nothing outside `recognition/engines/` imports dlib, OpenCV, ONNX Runtime, numpy arrays or AWS
clients: it talks to a `FaceEngine` and gets these frozen dataclasses back.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from recognition.images import PreparedImage


@dataclass(frozen=True)
class FaceBox:
    """A face's bounding box in pixels of the (orientation-corrected) image."""

    left: int
    top: int
    width: int
    height: int

    @property
    def area(self) -> int:
        return self.width * self.height

    def as_dict(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class DetectedFace:
    box: FaceBox
    confidence: float
    sharpness: float
    brightness: float


class Rejection(enum.StrEnum):
    """Why a face cannot be used; values match `FacePhoto.Rejection`."""

    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    FACE_TOO_SMALL = "face_too_small"
    TOO_BLURRY = "too_blurry"
    TOO_DARK = "too_dark"


class FaceRejected(Exception):
    """The image holds no face good enough to index or search."""

    def __init__(self, reason: Rejection, detail: str = ""):
        self.reason = reason
        self.detail = detail or reason.value.replace("_", " ")
        super().__init__(self.detail)


class EngineUnavailable(Exception):
    """The engine cannot serve requests now (misconfigured, throttled, unreachable)."""


@dataclass(frozen=True)
class IndexedFace:
    face_id: str
    face: DetectedFace


@dataclass(frozen=True)
class FaceMatch:
    """One enrolled person matching a probe: the best of all their faces."""

    person_key: str
    face_id: str  # "" when the engine matched the person as a whole (a Rekognition user vector)
    similarity: float  # 0-100, on the engine's own scale


@dataclass(frozen=True)
class FaceSearch:
    """The result of searching the largest face of a probe image."""

    face: DetectedFace | None
    faces_seen: int
    matches: tuple[FaceMatch, ...] = ()
    rejection: Rejection | None = None

    @property
    def best(self) -> FaceMatch | None:
        return self.matches[0] if self.matches else None


@dataclass(frozen=True)
class Box:
    """A box as fractions (0-1) of the image's width and height, as Rekognition gives them."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def from_face_box(cls, box: FaceBox, *, image_width: int, image_height: int) -> Box:
        return cls.clipped(
            box.left / image_width,
            box.top / image_height,
            box.width / image_width,
            box.height / image_height,
        )

    @classmethod
    def clipped(cls, left: float, top: float, width: float, height: float) -> Box:
        """The part of a box that lies inside the image."""
        right, bottom = min(1.0, left + width), min(1.0, top + height)
        left, top = max(0.0, left), max(0.0, top)
        return cls(left, top, max(0.0, right - left), max(0.0, bottom - top))

    def as_dict(self) -> dict[str, float]:
        return {
            "left": round(self.left, 4),
            "top": round(self.top, 4),
            "width": round(self.width, 4),
            "height": round(self.height, 4),
        }


@dataclass(frozen=True)
class LabelInstance:
    """Where one instance of a label's object is in the image."""

    box: Box
    confidence: float  # 0-100


@dataclass(frozen=True)
class Label:
    """An object, scene or concept label, Rekognition-style: "Dog" with parents "Pet", "Animal"
    and "Mammal" (each parent is also a label of its own in the same result)."""

    name: str
    confidence: float  # 0-100
    parents: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    instances: tuple[LabelInstance, ...] = ()


@dataclass(frozen=True)
class ModerationLabel:
    """A content-moderation label in Rekognition's taxonomy: level 1 is a top category
    ("Violence"), levels 2 and 3 refine it, naming their `parent`."""

    name: str
    confidence: float  # 0-100
    parent: str = ""
    level: int = 1


@dataclass(frozen=True)
class TextLine:
    """A line of text found in the image."""

    text: str
    confidence: float  # 0-100
    box: Box


@dataclass(frozen=True)
class QualityGate:
    """Minimum face size (px), sharpness and brightness (0-255) a face must have."""

    min_face_px: int
    min_sharpness: float
    min_brightness: float

    def check(self, face: DetectedFace) -> None:
        if min(face.box.width, face.box.height) < self.min_face_px:
            raise FaceRejected(
                Rejection.FACE_TOO_SMALL,
                f"face is {min(face.box.width, face.box.height)} px; at least "
                f"{self.min_face_px} px needed",
            )
        if face.brightness < self.min_brightness:
            raise FaceRejected(Rejection.TOO_DARK, "face is too dark to recognise")
        if face.sharpness < self.min_sharpness:
            raise FaceRejected(Rejection.TOO_BLURRY, "face is too blurry to recognise")


class FaceEngine(abc.ABC):
    """Index, search, delete and detect faces in one face collection."""

    name: str
    # The setting that holds the similarity a match needs: each engine's scale is its own.
    match_threshold_setting = "IMAGESIFT_MATCH_THRESHOLD"

    @abc.abstractmethod
    def detect_faces(self, image: PreparedImage) -> list[DetectedFace]:
        """All faces in the image, largest first."""

    @abc.abstractmethod
    def index_face(
        self, image: PreparedImage, *, person_key: str, gate: QualityGate
    ) -> IndexedFace:
        """Add the image's single face to the collection, or raise `FaceRejected`."""

    @abc.abstractmethod
    def search_face(
        self, image: PreparedImage, *, threshold: float, max_results: int = 3
    ) -> FaceSearch:
        """Match the image's largest face against the collection, best person first."""

    @abc.abstractmethod
    def search_all_faces(
        self, image: PreparedImage, *, threshold: float, max_faces: int
    ) -> list[FaceSearch]:
        """Every face in the image (largest first, at most `max_faces`), each matched against
        the collection: one `FaceSearch` a face, its `matches` best person first."""

    @abc.abstractmethod
    def delete_faces(self, face_ids: Sequence[str]) -> None:
        """Remove faces from the collection; unknown ids are ignored."""

    @abc.abstractmethod
    def forget_person(self, person_key: str) -> None:
        """Remove whatever the collection still holds of an erased person beyond the faces
        `delete_faces` removes: Rekognition's user vector, any stray face under their key."""

    # --- image analysis ---------------------------------------------------------------------------
    @abc.abstractmethod
    def detect_labels(
        self, image: PreparedImage, *, min_confidence: float, max_labels: int
    ) -> list[Label]:
        """Objects, scenes and concepts at `min_confidence` or above, most confident first,
        at most `max_labels`; parents are labels too."""

    @abc.abstractmethod
    def detect_moderation_labels(
        self, image: PreparedImage, *, min_confidence: float
    ) -> list[ModerationLabel]:
        """Unsafe or sensitive content at `min_confidence` or above, most confident first."""

    @abc.abstractmethod
    def detect_text(self, image: PreparedImage, *, min_confidence: float) -> list[TextLine]:
        """Lines of text at `min_confidence` or above, top to bottom."""

    @abc.abstractmethod
    def analysis_models(self) -> dict[str, str]:
        """What does each analysis step (labels, moderation, faces, text): model and version."""
