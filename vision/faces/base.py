"""The face collection interface and the small values that cross it.

A `FaceCollection` detects faces, indexes a person's face, searches faces against everyone
indexed, and deletes faces. Callers know people by a `person_key` (text) and faces by a
`face_id`; they get these frozen dataclasses back, never an array or an AWS answer.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from vision.boxes import BoxPx
from vision.images import PreparedImage


@dataclass(frozen=True)
class DetectedFace:
    box: BoxPx
    confidence: float  # on the engine's own scale
    sharpness: float
    brightness: float  # 0-255


class FaceRejection(enum.StrEnum):
    """Why a face cannot be used."""

    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    FACE_TOO_SMALL = "face_too_small"
    TOO_BLURRY = "too_blurry"
    TOO_DARK = "too_dark"

    @property
    def label(self) -> str:
        return {
            "no_face": "No face found",
            "several_faces": "Several faces",
            "face_too_small": "Face too small",
            "too_blurry": "Too blurry",
            "too_dark": "Too dark",
        }[self.value]

    @property
    def how_to_fix(self) -> str:
        """What the person in front of the camera can do about it."""
        return {
            "no_face": "Face the camera in good light, with nothing covering your face.",
            "several_faces": "Make sure only you are in the picture.",
            "face_too_small": "Come closer, so that your face fills about a third of the picture.",
            "too_blurry": "Hold still, and wipe the camera's lens.",
            "too_dark": "Face a window or a lamp, with the light in front of you.",
        }[self.value]


class FaceRejected(Exception):
    """The image holds no face good enough to index or search."""

    def __init__(self, reason: FaceRejection, detail: str = ""):
        self.reason = reason
        self.detail = detail or reason.value.replace("_", " ")
        super().__init__(self.detail)


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
    """The result of searching one face of a probe image (its largest, for a verification)."""

    face: DetectedFace | None
    faces_seen: int
    matches: tuple[FaceMatch, ...] = ()
    rejection: FaceRejection | None = None
    # Everyone at the search's `near_threshold` or above, nearest first, matched or not: the
    # people a deny list looks at more sensitively than a match is accepted.
    near: tuple[FaceMatch, ...] = ()

    @property
    def best(self) -> FaceMatch | None:
        return self.matches[0] if self.matches else None


@dataclass(frozen=True)
class QualityGate:
    """Minimum face size (px), sharpness and brightness (0-255) a face must have."""

    min_face_px: int
    min_sharpness: float
    min_brightness: float

    def check(self, face: DetectedFace) -> None:
        if face.box.shorter_side < self.min_face_px:
            raise FaceRejected(
                FaceRejection.FACE_TOO_SMALL,
                f"face is {face.box.shorter_side} px; at least {self.min_face_px} px needed",
            )
        if face.brightness < self.min_brightness:
            raise FaceRejected(FaceRejection.TOO_DARK, "face is too dark to recognise")
        if face.sharpness < self.min_sharpness:
            raise FaceRejected(FaceRejection.TOO_BLURRY, "face is too blurry to recognise")


class FaceVectorStore(Protocol):
    """Where an embedded collection keeps its face vectors: an app's tables, handed in, so that
    `vision` imports no app. `version` takes a value never used before on every change, so
    that each process knows when to reload what it keeps, and a snapshot named by it is never
    one of other faces."""

    def add(self, *, person_key: str, vector: bytes, model: str) -> str:
        """Keep a vector made by `model`; returns its new face id."""

    def delete(self, face_ids: Sequence[str]) -> None: ...

    def delete_person(self, person_key: str) -> None: ...

    def version(self) -> int: ...

    def vectors(self, model: str | None = None) -> Iterable[tuple[str, str, bytes]]:
        """(person key, face id, vector) of every face (made by `model`, when given), ordered
        by person key then face id."""


class FaceCollection(abc.ABC):
    """Detect, index, search and delete faces in one face collection."""

    name: str  # the engine's name, as IMAGESIFT_ENGINE gives it
    # What faces are recorded as indexed by: a photo indexed under another key (an earlier
    # model, another collection) must be indexed again to be found.
    model_key: str

    @property
    @abc.abstractmethod
    def match_threshold(self) -> float:
        """The similarity a match needs, on this engine's own 0-100 scale (from settings)."""

    @property
    @abc.abstractmethod
    def deny_list_threshold(self) -> float:
        """The similarity from which a person on the deny list is flagged as a possible match,
        below `match_threshold`: missing a denied person costs more than a second look."""

    @property
    @abc.abstractmethod
    def model_name(self) -> str:
        """The face model and its version, as an audit record should name it."""

    def warm_up(self) -> None:
        """Load now what the first request would otherwise wait for (models, the gallery)."""
        return None  # nothing, unless an engine says otherwise

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
        self,
        image: PreparedImage,
        *,
        threshold: float,
        max_results: int = 3,
        near_threshold: float | None = None,
    ) -> FaceSearch:
        """Match the image's largest face against the collection, best person first; with a
        `near_threshold`, also list everyone that near (`FaceSearch.near`)."""

    @abc.abstractmethod
    def search_all_faces(
        self, image: PreparedImage, *, threshold: float, max_faces: int
    ) -> list[FaceSearch]:
        """Every face in the image (largest first, at most `max_faces`), each matched against
        the collection: one `FaceSearch` a face, its `matches` best person first."""

    @abc.abstractmethod
    def people_like_face(
        self, face_id: str, *, count: int, threshold: float = 0.0
    ) -> tuple[FaceMatch, ...]:
        """The people nearest one of the collection's faces, best first, from `threshold` up;
        the face itself is left out, so its own person is listed by their other faces only.
        What enrolment checks a new face with (is it like this person's other photos, or like
        someone else?) and calibration measures the gallery by. Empty for an unknown face."""

    @abc.abstractmethod
    def delete_faces(self, face_ids: Sequence[str]) -> None:
        """Remove faces from the collection; unknown ids are ignored."""

    @abc.abstractmethod
    def faces(self) -> Iterator[tuple[str, str]]:
        """(face id, person key) of every face the collection holds: what a consistency check
        holds against the app's photos."""

    @abc.abstractmethod
    def forget_person(self, person_key: str) -> None:
        """Remove whatever the collection still holds of an erased person beyond the faces
        `delete_faces` removes: Rekognition's user vector, any stray face under their key."""
