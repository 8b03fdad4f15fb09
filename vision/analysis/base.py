"""The image analyser interface and the values it answers: labels, moderation labels, text.

The faces of an analysed image, and who they are, come from the face collection
(`FaceCollection.search_all_faces`), which is the one that knows enrolled people.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from vision.boxes import BoxFraction
from vision.images import PreparedImage


@dataclass(frozen=True)
class LabelInstance:
    """Where one instance of a label's object is in the image."""

    box: BoxFraction
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
    box: BoxFraction


class ImageAnalyser(abc.ABC):
    """Labels, moderation labels and text of an image."""

    name: str  # the engine's name, as IMAGESIFT_ENGINE gives it

    def warm_up(self) -> None:
        """Load now what the first analysis would otherwise wait for (its models)."""
        return None  # nothing, unless an engine says otherwise

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
    def models(self) -> dict[str, str]:
        """The model (and version) of each step: labels, moderation, text."""
