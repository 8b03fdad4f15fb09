"""The `rekognition` engine's image analysis (labels, moderation labels, text) and its search of
every face in a photo, against Rekognition answered by botocore's Stubber (rekognition_stubs.py),
which checks each request's parameters and validates requests and answers against AWS's model.
"""

from __future__ import annotations

import io

import pytest
from botocore.stub import ANY
from PIL import Image, ImageChops, ImageStat
from skimage import data

from recognition.engines.base import (
    Box,
    EngineUnavailable,
    FaceBox,
    Label,
    LabelInstance,
    ModerationLabel,
)
from recognition.images import ImageRejected, prepare_image
from tests.recognition.rekognition_stubs import THRESHOLD, Captured, stubbed_rekognition
from tests.uploads import encode

# Obama's and Biden's faces as Rekognition boxes them in multi/1.jpg (1126x661 px), the smaller
# first: the service promises no order.
BIDEN = (0.685, 0.09, 0.145, 0.28)  # 164x186 px at (771, 59)
OBAMA = (0.2, 0.11, 0.17, 0.28)  # 192x185 px at (225, 73)


@pytest.fixture
def aws(settings, monkeypatch):
    with stubbed_rekognition(settings, monkeypatch) as rekognition:
        yield rekognition


def photo(pixels) -> bytes:
    return encode(Image.fromarray(pixels).convert("RGB"), "JPEG", quality=90)


def bbox(left: float, top: float, width: float, height: float) -> dict[str, float]:
    return {"Width": width, "Height": height, "Left": left, "Top": top}


# --- labels ---------------------------------------------------------------------------------------
def cat_labels() -> dict:
    """What DetectLabels answers for skimage's `chelsea` (a tabby cat), in the service's order."""
    pet = {"Parents": [], "Aliases": [], "Categories": [{"Name": "Animals and Pets"}]}
    return {
        "Labels": [
            {
                "Name": "Cat",
                "Confidence": 99.52,
                "Instances": [{"BoundingBox": bbox(0.05, 0.02, 0.9, 0.97), "Confidence": 97.8}],
                "Parents": [{"Name": "Animal"}, {"Name": "Mammal"}, {"Name": "Pet"}],
                "Aliases": [{"Name": "Kitten"}],
                "Categories": [{"Name": "Animals and Pets"}],
            },
            {"Name": "Animal", "Confidence": 99.61, "Instances": [], **pet},
            {"Name": "Mammal", "Confidence": 99.61, "Instances": [], **pet},
            {"Name": "Abyssinian", "Confidence": 71.3, "Instances": [], **pet},
        ],
        "LabelModelVersion": "3.0",
    }


def test_labels_keep_parents_categories_and_instances_most_confident_first(aws):
    content = photo(data.chelsea())
    aws.stubber.add_response(
        "detect_labels",
        cat_labels(),
        {"Image": {"Bytes": content}, "MinConfidence": 70.0, "MaxLabels": 3},
    )

    labels = aws.engine.detect_labels(prepare_image(content), min_confidence=70.0, max_labels=3)

    assert [label.name for label in labels] == ["Animal", "Mammal", "Cat"]
    assert labels[2] == Label(
        name="Cat",
        confidence=99.52,
        parents=("Animal", "Mammal", "Pet"),
        categories=("Animals and Pets",),
        instances=(LabelInstance(Box(0.05, 0.02, 0.9, 0.97), 97.8),),
    )


def test_analysis_models_name_the_versions_rekognition_last_gave(aws):
    content = photo(data.chelsea())
    assert aws.engine.analysis_models()["labels"] == "Amazon Rekognition DetectLabels"
    aws.stubber.add_response("detect_labels", cat_labels())

    aws.engine.detect_labels(prepare_image(content), min_confidence=50.0, max_labels=10)

    models = aws.engine.analysis_models()
    assert models["labels"] == "Amazon Rekognition DetectLabels (label model 3.0)"
    assert set(models) == {"labels", "moderation", "text", "faces"}
    assert "SearchUsersByImage" in models["faces"]


def test_an_image_over_10000_px_wide_goes_to_labels_scaled_down(aws):
    panorama = encode(Image.new("RGB", (10_400, 100), (90, 140, 200)), "JPEG")
    sent = Captured()
    aws.stubber.add_response(
        "detect_labels",
        {"Labels": []},
        {"Image": {"Bytes": sent}, "MinConfidence": 50.0, "MaxLabels": 10},
    )

    aws.engine.detect_labels(prepare_image(panorama), min_confidence=50.0, max_labels=10)

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

    labels = aws.engine.detect_moderation_labels(prepare_image(content), min_confidence=60.0)

    assert labels == [
        ModerationLabel("Violence", 91.2, parent="", level=1),
        ModerationLabel("Graphic Violence", 88.1, parent="Violence", level=2),
        # Model 6 had two levels: whatever has a parent is of level 2.
        ModerationLabel("Explosions and Blasts", 72.4, "Graphic Violence", levels[2] or 2),
    ]
    assert f"(moderation model {version})" in aws.engine.analysis_models()["moderation"]


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

    lines = aws.engine.detect_text(prepare_image(content), min_confidence=80.0)

    assert [(line.text, line.confidence) for line in lines] == [
        ("(s) = 1", 95.6),
        ("ll(s) = -1", 91.3),
    ]
    # Clipped at the top edge, which Rekognition's box reaches past.
    assert lines[0].box.as_dict() == {"left": 0.33, "top": 0.0, "width": 0.3, "height": 0.12}


# --- every face in a photo ------------------------------------------------------------------------
def crop_of(sent: Captured) -> Image.Image:
    return Image.open(io.BytesIO(sent.value["Bytes"])).convert("RGB")


def test_each_face_is_searched_in_its_own_crop_largest_first(aws, faces):
    content = faces.multi(1).read_bytes()
    image = prepare_image(content)
    aws.image = {"Bytes": content}
    aws.detects(BIDEN, OBAMA)
    crops = [Captured(), Captured()]
    aws.image = crops[0]
    aws.finds(("obama", 99.2), ("someone-else", 90.4))
    aws.image = crops[1]
    aws.finds_nobody()

    searches = aws.engine.search_all_faces(image, threshold=THRESHOLD, max_faces=5)

    assert [search.face.box for search in searches] == [
        FaceBox(225, 73, 192, 185),
        FaceBox(771, 59, 164, 186),
    ]
    assert [[match.person_key for match in search.matches] for search in searches] == [
        ["obama"],  # the best person only, as the local engine answers
        [],
    ]
    assert [search.faces_seen for search in searches] == [2, 2]
    # Obama's face with half a face around it (cut off by the top edge), as it is in the photo.
    obama = crop_of(crops[0])
    assert obama.size == (384, 350)
    same = ImageChops.difference(obama, image.pixels.crop((129, 0, 513, 350)))
    assert max(ImageStat.Stat(same).mean) < 4


def test_a_crop_without_a_face_matches_nobody_and_max_faces_caps_the_searches(aws, faces):
    content = faces.multi(1).read_bytes()
    aws.image = {"Bytes": content}
    aws.detects(BIDEN, (0.45, 0.5, 0.05, 0.08), OBAMA)  # the middle "face": a watch
    aws.image = ANY
    aws.sees_no_face()  # in Obama's crop: what Rekognition says of a crop without a face
    aws.finds(("biden", 98.7))

    searches = aws.engine.search_all_faces(prepare_image(content), threshold=THRESHOLD, max_faces=2)

    assert [search.face.box.left for search in searches] == [225, 771]
    assert [search.best and search.best.person_key for search in searches] == [None, "biden"]
    assert [search.faces_seen for search in searches] == [3, 3]


def test_a_tiny_face_is_cut_out_at_rekognitions_smallest_size(aws, faces):
    content = faces.multi(1).read_bytes()
    aws.image = {"Bytes": content}
    aws.detects((0.5, 0.5, 0.02, 0.03))  # 23x20 px
    sent = Captured()
    aws.image = sent
    aws.finds_nobody()

    aws.engine.search_all_faces(prepare_image(content), threshold=THRESHOLD, max_faces=1)

    width, height = crop_of(sent).size
    assert min(width, height) == 80


def test_other_faces_in_a_crop_are_painted_over_and_a_match_off_centre_is_not_taken(aws, faces):
    content = faces.multi(1).read_bytes()
    aws.image = {"Bytes": content}
    aws.detects(OBAMA, (0.4, 0.1, 0.05, 0.09))  # 57x60 px at (450, 66): in Obama's margin
    sent = Captured()
    aws.image = sent
    aws.finds(("someone", 97.0), box=(0.78, 0.05, 0.2, 0.25))  # a face at the crop's edge
    aws.image = ANY
    aws.finds_nobody()

    obama, _ = aws.engine.search_all_faces(prepare_image(content), threshold=THRESHOLD, max_faces=2)

    assert obama.matches == ()
    left, top = 450 - 129, 66  # in Obama's crop, which starts at x = 129
    painted = crop_of(sent).crop((left + 4, top + 4, left + 53, top + 56))  # within, off JPEG edges
    assert all(abs(mean - 128) < 6 for mean in ImageStat.Stat(painted).mean)
    assert max(ImageStat.Stat(painted).stddev) < 6


def test_without_user_vectors_each_face_is_matched_by_face(settings, monkeypatch, faces):
    content = faces.multi(1).read_bytes()
    with stubbed_rekognition(settings, monkeypatch, IMAGESIFT_REKOGNITION_USE_USERS=False) as aws:
        aws.image = {"Bytes": content}
        aws.detects(BIDEN)
        aws.image = ANY
        aws.finds(("biden", 97.3))  # SearchFacesByImage

        (search,) = aws.engine.search_all_faces(
            prepare_image(content), threshold=THRESHOLD, max_faces=2
        )

    assert (search.face.box.left, search.best.person_key, search.best.similarity) == (
        771,
        "biden",
        97.3,
    )


# --- errors ---------------------------------------------------------------------------------------
ANALYSES = {
    "detect_labels": lambda engine, image: engine.detect_labels(
        image, min_confidence=50.0, max_labels=10
    ),
    "detect_moderation_labels": lambda engine, image: engine.detect_moderation_labels(
        image, min_confidence=50.0
    ),
    "detect_text": lambda engine, image: engine.detect_text(image, min_confidence=50.0),
    "detect_faces": lambda engine, image: engine.search_all_faces(
        image, threshold=THRESHOLD, max_faces=3
    ),
}


@pytest.mark.parametrize("operation", ANALYSES)
def test_throttling_makes_the_engine_unavailable(aws, operation):
    aws.fails(operation, "ThrottlingException", "Rate exceeded")

    with pytest.raises(EngineUnavailable, match="throttling"):
        ANALYSES[operation](aws.engine, prepare_image(photo(data.coffee())))


@pytest.mark.parametrize(
    ("code", "status"), [("ImageTooLargeException", 413), ("InvalidImageFormatException", 415)]
)
def test_images_rekognition_refuses_are_rejected(aws, code, status):
    aws.fails("detect_labels", code, "Rekognition says no.")

    with pytest.raises(ImageRejected) as rejected:
        ANALYSES["detect_labels"](aws.engine, prepare_image(photo(data.coffee())))

    assert rejected.value.status == status


def test_a_throttled_search_of_one_face_fails_the_whole_search(aws, faces):
    content = faces.multi(1).read_bytes()
    aws.image = {"Bytes": content}
    aws.detects(BIDEN, OBAMA)
    aws.image = ANY
    aws.finds(("obama", 99.2))
    aws.fails("search_users_by_image", "ProvisionedThroughputExceededException")

    with pytest.raises(EngineUnavailable):
        aws.engine.search_all_faces(prepare_image(content), threshold=THRESHOLD, max_faces=2)
