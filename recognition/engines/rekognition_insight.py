"""What the `rekognition` engine sees in an image beyond faces: labels, moderation labels and
text, translated into our values; and the face crops that let it search every face of a photo.

Rekognition's boxes are ratios of the image, which is what `Box` holds. DetectLabels and
DetectModerationLabels refuse an image wider or taller than 10,000 px, so such an image goes as
a smaller JPEG (boxes as ratios still fit it). SearchUsersByImage and SearchFacesByImage search
only the largest face of an image, so each face is cut out with a margin and searched alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image, ImageDraw

from recognition.engines.base import (
    Box,
    DetectedFace,
    FaceBox,
    FaceSearch,
    Label,
    LabelInstance,
    ModerationLabel,
    TextLine,
)
from recognition.engines.rekognition_shapes import image_param, upright_jpeg
from recognition.images import PreparedImage

MAX_ANALYSIS_SIDE = 10_000  # px, for DetectLabels and DetectModerationLabels
MIN_SIDE = 80  # px: Rekognition's smallest image
FACE_MARGIN = 0.5  # of the face's width (height) on each side: Rekognition finds a face in context
BLANK = (128, 128, 128)  # what other faces in a crop are painted over with


class RekognitionImageAnalysis:
    """Every face searched, and labels, moderation labels and text, through the engine's calls
    (its `_call` maps AWS's errors to ours); remembers the model versions Rekognition last
    named for `analysis_models`."""

    # RekognitionEngine's:
    _call: Callable[..., Any]
    detect_faces: Callable[[PreparedImage], list[DetectedFace]]
    search_face: Callable[..., FaceSearch]
    _model_versions: dict[str, str] = {}  # replaced, never changed in place

    def search_all_faces(
        self, image: PreparedImage, *, threshold: float, max_faces: int
    ) -> list[FaceSearch]:
        """Rekognition searches only the largest face of an image: each face DetectFaces finds
        is cut out (other faces painted over) and searched alone, one call a face. A crop in
        which the search finds no face, or a face off the one cut out, matches nobody."""
        faces = self.detect_faces(image)
        searches = []
        for face in faces[: max(max_faces, 0)]:
            crop, where = face_crop(image, face, others=faces)
            found = self.search_face(crop, threshold=threshold, max_results=1)
            matched = found.face is not None and centred_in(found.face.box, where)
            searches.append(
                FaceSearch(
                    face=face, faces_seen=len(faces), matches=found.matches if matched else ()
                )
            )
        return searches

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

    def analysis_models(self) -> dict[str, str]:
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
def ratio_box(ratios: dict[str, float]) -> Box:
    """A BoundingBox (ratios, which may reach past the edges) clipped to the image."""
    return Box.clipped(
        ratios.get("Left", 0.0),
        ratios.get("Top", 0.0),
        ratios.get("Width", 0.0),
        ratios.get("Height", 0.0),
    )


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
    if longest <= MAX_ANALYSIS_SIDE:
        return image_param(image)
    scale = MAX_ANALYSIS_SIDE / longest
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    smaller = PreparedImage(content=b"", format="JPEG", pixels=image.pixels.resize(size))
    return {"Bytes": upright_jpeg(smaller)}


# --- one face at a time ---------------------------------------------------------------------------
def face_crop(
    image: PreparedImage, face: DetectedFace, others: Sequence[DetectedFace]
) -> tuple[PreparedImage, FaceBox]:
    """The face with a margin as a JPEG image of its own, every other face in it painted over
    (unless it overlaps this one), at least `MIN_SIDE` px a side; and where the face lies in it.

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
        if other is not face and not _overlap(other.box, box):
            draw.rectangle(
                (
                    other.box.left - left,
                    other.box.top - top,
                    other.box.left + other.box.width - left - 1,
                    other.box.top + other.box.height - top - 1,
                ),
                fill=BLANK,
            )
    scale = max(1.0, MIN_SIDE / min(pixels.size))
    if scale > 1:
        pixels = pixels.resize(
            (round(pixels.width * scale), round(pixels.height * scale)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=90)
    where = FaceBox(
        left=round((box.left - left) * scale),
        top=round((box.top - top) * scale),
        width=round(box.width * scale),
        height=round(box.height * scale),
    )
    return PreparedImage(content=out.getvalue(), format="JPEG", pixels=pixels), where


def centred_in(found: FaceBox, expected: FaceBox) -> bool:
    """Whether the centre of the face a search found lies in the face it was meant to search."""
    x, y = found.left + found.width / 2, found.top + found.height / 2
    return (
        expected.left <= x <= expected.left + expected.width
        and expected.top <= y <= expected.top + expected.height
    )


def _overlap(first: FaceBox, second: FaceBox) -> bool:
    return (
        first.left < second.left + second.width
        and second.left < first.left + first.width
        and first.top < second.top + second.height
        and second.top < first.top + first.height
    )
