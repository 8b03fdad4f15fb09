"""The `rekognition` image analyser: labels, moderation labels and text from Amazon Rekognition,
translated into our values.

Rekognition's boxes are ratios of the image, which is what `BoxFraction` holds. DetectLabels and
DetectModerationLabels refuse an image wider or taller than 10,000 px, so such an image goes as
a smaller JPEG (boxes as ratios still fit it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from vision.analysis.base import ImageAnalyser, Label, LabelInstance, ModerationLabel, TextLine
from vision.aws.client import Rekognition, rekognition
from vision.aws.shapes import image_param, ratio_box, upright_jpeg
from vision.images import PreparedImage

MAX_ANALYSIS_SIDE_PX = 10_000  # for DetectLabels and DetectModerationLabels


class RekognitionImageAnalyser(ImageAnalyser):
    """DetectLabels, DetectModerationLabels and DetectText; remembers the model versions
    Rekognition last named, for `models`."""

    name = "rekognition"

    def __init__(self) -> None:
        self.rekognition: Rekognition = rekognition(settings.IMAGESIFT_REKOGNITION_COLLECTION)
        self._model_versions: dict[str, str] = {}  # replaced, never changed in place

    def _call(self, operation: str, **params) -> Any:
        return self.rekognition.call(operation, **params)

    def detect_labels(
        self, image: PreparedImage, *, min_confidence: float, max_labels: int
    ) -> list[Label]:
        response = self._call(
            "detect_labels",
            Image=analysis_image_param(image),
            MinConfidence=min_confidence,
            MaxLabels=max_labels,
        )
        self._remember_version("labels", response.get("LabelModelVersion"))
        labels = [label(item) for item in response.get("Labels", [])]
        labels.sort(key=lambda found: found.confidence, reverse=True)
        return labels[:max_labels]

    def detect_moderation_labels(
        self, image: PreparedImage, *, min_confidence: float
    ) -> list[ModerationLabel]:
        response = self._call(
            "detect_moderation_labels",
            Image=analysis_image_param(image),
            MinConfidence=min_confidence,
        )
        self._remember_version("moderation", response.get("ModerationModelVersion"))
        labels = [moderation_label(item) for item in response.get("ModerationLabels", [])]
        return sorted(labels, key=lambda found: found.confidence, reverse=True)

    def detect_text(self, image: PreparedImage, *, min_confidence: float) -> list[TextLine]:
        response = self._call(
            "detect_text",
            Image=image_param(image),
            Filters={"WordFilter": {"MinConfidence": min_confidence}},
        )
        self._remember_version("text", response.get("TextModelVersion"))
        lines = [
            text_line(item)
            for item in response.get("TextDetections", [])
            if item.get("Type") == "LINE" and item.get("Confidence", 0.0) >= min_confidence
        ]
        return sorted(lines, key=lambda line: (line.box.top, line.box.left))

    def models(self) -> dict[str, str]:
        versions = self._model_versions
        return {
            "labels": _model("DetectLabels", "label model", versions.get("labels")),
            "moderation": _model(
                "DetectModerationLabels", "moderation model", versions.get("moderation")
            ),
            "text": _model("DetectText", "text model", versions.get("text")),
        }

    def _remember_version(self, step: str, version: str | None) -> None:
        if version and self._model_versions.get(step) != version:
            self._model_versions = {**self._model_versions, step: version}


def _model(operation: str, kind: str, version: str | None) -> str:
    name = f"Amazon Rekognition {operation}"
    return f"{name} ({kind} {version})" if version else name


# --- Rekognition's answers as our values ----------------------------------------------------------
def label(item: dict[str, Any]) -> Label:
    return Label(
        name=item["Name"],
        confidence=item.get("Confidence", 0.0),
        parents=tuple(parent["Name"] for parent in item.get("Parents", [])),
        categories=tuple(category["Name"] for category in item.get("Categories", [])),
        instances=tuple(
            LabelInstance(box=ratio_box(instance["BoundingBox"]), confidence=instance["Confidence"])
            for instance in item.get("Instances", [])
            if "BoundingBox" in instance
        ),
    )


def moderation_label(item: dict[str, Any]) -> ModerationLabel:
    """Model 7 names each label's TaxonomyLevel (1-3); older models have two levels, and say
    nothing of them: a label with a parent is then of level 2."""
    parent = item.get("ParentName", "")
    return ModerationLabel(
        name=item["Name"],
        confidence=item.get("Confidence", 0.0),
        parent=parent,
        level=(item.get("TaxonomyLevel") or 2) if parent else 1,
    )


def text_line(item: dict[str, Any]) -> TextLine:
    return TextLine(
        text=item["DetectedText"],
        confidence=item.get("Confidence", 0.0),
        box=ratio_box(item.get("Geometry", {}).get("BoundingBox", {})),
    )


def analysis_image_param(image: PreparedImage) -> dict[str, Any]:
    """The request's `Image`, scaled down when a side is over what labels and moderation take."""
    longest = max(image.width, image.height)
    if longest <= MAX_ANALYSIS_SIDE_PX:
        return image_param(image)
    scale = MAX_ANALYSIS_SIDE_PX / longest
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    smaller = PreparedImage(content=b"", format="JPEG", pixels=image.pixels.resize(size))
    return {"Bytes": upright_jpeg(smaller)}
