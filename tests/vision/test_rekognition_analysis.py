"""The `rekognition` image analyser (labels, moderation labels, text), against Rekognition
answered by botocore's Stubber (tests/rekognition_stubs.py), which checks each request's
parameters and validates requests and answers against AWS's model.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from skimage import data

from tests.rekognition_stubs import Captured
from tests.uploads import encode
from vision.analysis.base import Label, LabelInstance, ModerationLabel
from vision.boxes import BoxFraction
from vision.errors import EngineUnavailable, ImageRejected
from vision.images import prepare_image


def photo(pixels) -> bytes:
    return encode(Image.fromarray(pixels).convert("RGB"), "JPEG", quality=90)


def bbox(left: float, top: float, width: float, height: float) -> dict[str, float]:
    return {"Width": width, "Height": height, "Left": left, "Top": top}


# --- labels ---------------------------------------------------------------------------------------
def test_labels_keep_parents_categories_and_instances_most_confident_first(aws, cat_labels):
    content = photo(data.chelsea())
    aws.stubber.add_response(
        "detect_labels",
        cat_labels,
        {"Image": {"Bytes": content}, "MinConfidence": 70.0, "MaxLabels": 3},
    )

    labels = aws.analyser.detect_labels(prepare_image(content), min_confidence=70.0, max_labels=3)

    assert [label.name for label in labels] == ["Animal", "Mammal", "Cat"]
    assert labels[2] == Label(
        name="Cat",
        confidence=99.52,
        parents=("Animal", "Mammal", "Pet"),
        categories=("Animals and Pets",),
        instances=(LabelInstance(BoxFraction(0.05, 0.02, 0.9, 0.97), 97.8),),
    )


def test_analysis_models_name_the_versions_rekognition_last_gave(aws, cat_labels):
    content = photo(data.chelsea())
    assert aws.analyser.models()["labels"] == "Amazon Rekognition DetectLabels"
    aws.stubber.add_response("detect_labels", cat_labels)

    aws.analyser.detect_labels(prepare_image(content), min_confidence=50.0, max_labels=10)

    models = aws.analyser.models()
    assert models["labels"] == "Amazon Rekognition DetectLabels (label model 3.0)"
    assert set(models) == {"labels", "moderation", "text"}


def test_an_image_over_10000_px_wide_goes_to_labels_scaled_down(aws):
    panorama = encode(Image.new("RGB", (10_400, 100), (90, 140, 200)), "JPEG")
    sent = Captured()
    aws.stubber.add_response(
        "detect_labels",
        {"Labels": []},
        {"Image": {"Bytes": sent}, "MinConfidence": 50.0, "MaxLabels": 10},
    )

    aws.analyser.detect_labels(prepare_image(panorama), min_confidence=50.0, max_labels=10)

    assert Image.open(io.BytesIO(sent.value)).size == (10_000, 96)


# --- moderation -----------------------------------------------------------------------------------
def violence(name: str, confidence: float, parent: str, level: int | None) -> dict:
    label = {"Name": name, "Confidence": confidence, "ParentName": parent}
    return label if level is None else label | {"TaxonomyLevel": level}


@pytest.mark.parametrize(
    ("version", "levels"),
    [("7.0", (1, 2, 3)), ("6.1", (None, None, None))],  # model 6 names no levels
)
def test_moderation_labels_keep_their_parent_and_level(aws, version, levels):
    """skimage's `astronaut` has a shuttle launch behind her: smoke and fire."""
    content = photo(data.astronaut())
    aws.stubber.add_response(
        "detect_moderation_labels",
        {
            "ModerationLabels": [
                violence("Explosions and Blasts", 72.4, "Graphic Violence", levels[2]),
                violence("Violence", 91.2, "", levels[0]),
                violence("Graphic Violence", 88.1, "Violence", levels[1]),
            ],
            "ModerationModelVersion": version,
        },
        {"Image": {"Bytes": content}, "MinConfidence": 60.0},
    )

    labels = aws.analyser.detect_moderation_labels(prepare_image(content), min_confidence=60.0)

    assert labels == [
        ModerationLabel("Violence", 91.2, parent="", level=1),
        ModerationLabel("Graphic Violence", 88.1, parent="Violence", level=2),
        # Model 6 had two levels: whatever has a parent is of level 2.
        ModerationLabel("Explosions and Blasts", 72.4, "Graphic Violence", levels[2] or 2),
    ]
    assert f"(moderation model {version})" in aws.analyser.models()["moderation"]


# --- text -----------------------------------------------------------------------------------------
def detection(kind: str, number: int, text: str, confidence: float, box, parent=None) -> dict:
    left, top, width, height = box
    corners = [(left, top), (left + width, top), (left + width, top + height), (left, top + height)]
    found = {
        "DetectedText": text,
        "Type": kind,
        "Id": number,
        "Confidence": confidence,
        "Geometry": {
            "BoundingBox": bbox(*box),
            "Polygon": [{"X": x, "Y": y} for x, y in corners],
        },
    }
    return found if parent is None else found | {"ParentId": parent}


def test_text_is_its_lines_top_to_bottom(aws):
    """skimage's `text`: handwritten formulas on squared paper."""
    content = photo(data.text())
    aws.stubber.add_response(
        "detect_text",
        {
            "TextDetections": [
                detection("LINE", 0, "ll(s) = -1", 91.3, (0.0, 0.24, 0.33, 0.3)),
                detection("LINE", 1, "(s) = 1", 95.6, (0.33, -0.02, 0.3, 0.14)),
                detection("LINE", 2, "-1tn", 42.0, (0.55, 0.62, 0.38, 0.3)),  # under 80
                detection("WORD", 3, "ll(s)", 93.0, (0.0, 0.25, 0.15, 0.27), parent=0),
                detection("WORD", 4, "=", 89.6, (0.17, 0.3, 0.05, 0.1), parent=0),
                detection("WORD", 5, "(s)", 96.2, (0.33, -0.02, 0.12, 0.12), parent=1),
            ],
            "TextModelVersion": "3.0",
        },
        {"Image": {"Bytes": content}, "Filters": {"WordFilter": {"MinConfidence": 80.0}}},
    )

    lines = aws.analyser.detect_text(prepare_image(content), min_confidence=80.0)

    assert [(line.text, line.confidence) for line in lines] == [
        ("(s) = 1", 95.6),
        ("ll(s) = -1", 91.3),
    ]
    # Clipped at the top edge, which Rekognition's box reaches past.
    assert lines[0].box.as_dict() == {"left": 0.33, "top": 0.0, "width": 0.3, "height": 0.12}


# --- errors ---------------------------------------------------------------------------------------
ANALYSES = {
    "detect_labels": lambda aws, image: aws.analyser.detect_labels(
        image, min_confidence=50.0, max_labels=10
    ),
    "detect_moderation_labels": lambda aws, image: aws.analyser.detect_moderation_labels(
        image, min_confidence=50.0
    ),
    "detect_text": lambda aws, image: aws.analyser.detect_text(image, min_confidence=50.0),
}


@pytest.mark.parametrize("operation", ANALYSES)
def test_throttling_makes_the_engine_unavailable(aws, operation):
    aws.fails(operation, "ThrottlingException", "Rate exceeded")

    with pytest.raises(EngineUnavailable, match="throttling"):
        ANALYSES[operation](aws, prepare_image(photo(data.coffee())))


@pytest.mark.parametrize(
    ("code", "status"), [("ImageTooLargeException", 413), ("InvalidImageFormatException", 415)]
)
def test_images_rekognition_refuses_are_rejected(aws, code, status):
    aws.fails("detect_labels", code, "Rekognition says no.")

    with pytest.raises(ImageRejected) as rejected:
        ANALYSES["detect_labels"](aws, prepare_image(photo(data.coffee())))

    assert rejected.value.status == status
