"""The local engine's labels, moderation labels and text: on real photos, and as pure mappings.

The photos are scikit-image's astronaut, coffee and cat, and the shared group (`multi/`) and
non-face (`nonface/`) photos; each is analysed once per module (`analysed`), every test asks
its own question of the results.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pytest
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont
from skimage import data

from vision.analysis.base import Label, ModerationLabel
from vision.analysis.label_taxonomy import (
    CATEGORIES,
    COCO_LABELS,
    Taxonomy,
    imagenet_moderation,
)
from vision.analysis.local import (
    CLASSIFIER_CURVE,
    DETECTOR_CURVE,
    NSFW_CURVE,
    LocalImageAnalyser,
    calibrated,
    labels_from_scores,
    moderation_from_scores,
    text_from_lines,
)
from vision.analysis.local_models import (
    Detection,
    ReadLine,
    fitted,
    imagenet_names,
    nsfw_probability,
)
from vision.images import PreparedImage, prepare_image

LABELS_AT = settings.IMAGESIFT_LABELS_MIN_CONFIDENCE  # 80
MODERATION_AT = settings.IMAGESIFT_MODERATION_MIN_CONFIDENCE  # 50
TEXT_AT = settings.IMAGESIFT_TEXT_MIN_CONFIDENCE  # 80

# What the non-face photos show (../shared/faces/README.md and a look at each).
NONFACE_TRUTH = {
    1: {"Dog", "Bicycle"},
    2: {"Bird"},
    3: {"Zebra", "Giraffe"},
    4: {"Horse"},
    5: {"Dog"},
    6: {"Car"},
    9: {"Cat"},
    10: {"Cup"},
    11: {"Rocket"},
}
# Group photos with at least this many people the detector should box at the default threshold.
MULTI_PEOPLE = {1: 2, 5: 4, 9: 4, 11: 3, 12: 3}


def encoded(pixels: np.ndarray | Image.Image, image_format: str = "PNG") -> PreparedImage:
    picture = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    out = io.BytesIO()
    picture.save(out, image_format)
    return prepare_image(out.getvalue())


@dataclass(frozen=True)
class Analysed:
    labels: list[Label]
    moderation: list[ModerationLabel]

    def names(self) -> set[str]:
        return {label.name for label in self.labels}

    def label(self, name: str) -> Label:
        return next(label for label in self.labels if label.name == name)


@pytest.fixture(scope="module")
def engine() -> LocalImageAnalyser:
    return LocalImageAnalyser()


@pytest.fixture(scope="module")
def photos(faces) -> dict[str, PreparedImage]:
    images = {name: encoded(getattr(data, name)()) for name in ("astronaut", "coffee", "chelsea")}
    images |= {f"multi/{n}": prepare_image(faces.multi(n).read_bytes()) for n in range(1, 17)}
    images |= {f"nonface/{path.stem}": prepare_image(path.read_bytes()) for path in faces.nonface()}
    return images


@pytest.fixture(scope="module")
def analysed(engine, photos) -> dict[str, Analysed]:
    """Labels (default threshold, up to 50) and moderation labels of every photo, once."""
    return {
        name: Analysed(
            labels=engine.detect_labels(image, min_confidence=LABELS_AT, max_labels=50),
            moderation=engine.detect_moderation_labels(image, min_confidence=MODERATION_AT),
        )
        for name, image in photos.items()
    }


# --- labels on real photos ---------------------------------------------------------------------
def test_astronaut_is_a_person_boxed_around_her(analysed):
    astronaut = analysed["astronaut"]
    person = astronaut.label("Person")
    assert person.confidence >= LABELS_AT
    assert person.categories == ("Person Description",)
    assert person.parents == ()
    (box,) = [instance.box for instance in person.instances]
    assert box.left < 0.3 and box.top < 0.3
    assert box.width > 0.4 and box.height > 0.8
    assert astronaut.moderation == []


def test_coffee_is_a_cup_and_nobody(analysed):
    coffee = analysed["coffee"]
    cup = coffee.label("Cup")
    assert cup.parents and all(parent in coffee.names() for parent in cup.parents)
    assert cup.categories == ("Kitchen and Dining",)
    assert len(cup.instances) == 1 and cup.instances[0].box.width < 0.6  # the cup, not the table
    assert {"Coffee", "Beverage"} <= coffee.names()
    assert "Person" not in coffee.names()
    assert "Bowl" not in coffee.names()  # the saucer: the same box as the cup's, suppressed
    assert coffee.moderation == []


def test_chelsea_is_a_cat_with_its_parents(analysed):
    chelsea = analysed["chelsea"]
    cat = chelsea.label("Cat")
    assert {"Animal", "Pet", "Mammal"} <= set(cat.parents)
    assert cat.categories == ("Animals and Pets",)
    assert not {"Dog", "Person"} & chelsea.names()
    assert chelsea.moderation == []


def test_parents_are_labels_at_least_as_sure_as_their_children(analysed):
    for photo in ("coffee", "chelsea", "nonface/1", "multi/8"):
        by_name = {label.name: label for label in analysed[photo].labels}
        for label in by_name.values():
            for parent in label.parents:
                assert by_name[parent].confidence >= label.confidence, (photo, label.name)


@pytest.mark.parametrize(("number", "people"), MULTI_PEOPLE.items())
def test_group_photos_box_several_people(analysed, number, people):
    person = analysed[f"multi/{number}"].label("Person")
    assert len(person.instances) >= people
    assert all(instance.confidence >= LABELS_AT for instance in person.instances)
    assert person.confidence == max(instance.confidence for instance in person.instances)


@pytest.mark.parametrize(("number", "truth"), NONFACE_TRUTH.items())
def test_nonface_photos_show_what_they_show_and_nobody(analysed, number, truth):
    names = analysed[f"nonface/{number}"].names()
    assert truth <= names
    assert "Person" not in names


def test_no_dog_is_a_cat_and_no_cat_a_dog(analysed):
    assert "Cat" not in analysed["nonface/1"].names() | analysed["nonface/5"].names()
    assert "Dog" not in analysed["nonface/9"].names()


def test_no_moderation_label_on_any_real_photo(analysed):
    flagged = {name: found.moderation for name, found in analysed.items() if found.moderation}
    assert flagged == {}


def test_open_nsfw_stays_under_the_moderation_threshold_on_real_photos(photos):
    scores = [nsfw_probability(fitted(image.pixels, 640)) for image in photos.values()]
    assert max(scores) < 0.3  # measured: at most 0.16 on these (the collage of faces)
    assert max(calibrated(score, NSFW_CURVE) for score in scores) < MODERATION_AT


def test_min_confidence_and_max_labels_are_respected(engine):
    image = encoded(data.chelsea(), "JPEG")
    everything = engine.detect_labels(image, min_confidence=0, max_labels=1000)
    some = engine.detect_labels(image, min_confidence=90, max_labels=1000)
    two = engine.detect_labels(image, min_confidence=0, max_labels=2)
    confidences = [label.confidence for label in everything]
    assert confidences == sorted(confidences, reverse=True)
    assert some == [label for label in everything if label.confidence >= 90]
    assert 0 < len(some) < len(everything)
    assert two == everything[:2]
    assert engine.detect_labels(image, min_confidence=100, max_labels=10) == []


def test_threads_can_share_the_models(engine, photos, analysed):
    """A threaded server analyses several images at once: each gets its own answer."""
    names = ["coffee", "chelsea", "nonface/2", "nonface/3"] * 2

    def labels(name: str) -> list[Label]:
        return engine.detect_labels(photos[name], min_confidence=LABELS_AT, max_labels=50)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(labels, names))
    assert answers == [analysed[name].labels for name in names]


# --- text --------------------------------------------------------------------------------------
def test_text_drawn_on_an_image_is_read_back_top_to_bottom(engine):
    picture = Image.new("RGB", (900, 360), "white")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=64)
    drawn = {}
    for text, position in (("Visitor pass 2024", (60, 220)), ("ImageSift", (60, 50))):
        draw.text(position, text, fill="black", font=font)
        left, top, right, bottom = draw.textbbox(position, text, font=font)
        drawn[text] = (left / 900, top / 360, (right - left) / 900, (bottom - top) / 360)
    lines = engine.detect_text(encoded(picture), min_confidence=TEXT_AT)
    assert [line.text for line in lines] == ["ImageSift", "Visitor pass 2024"]
    for line in lines:
        box = line.box
        assert (box.left, box.top, box.width, box.height) == pytest.approx(
            drawn[line.text], abs=0.05
        )
        assert TEXT_AT <= line.confidence <= 100


def test_no_text_is_read_where_there_is_none(engine):
    assert engine.detect_text(encoded(data.chelsea()), min_confidence=TEXT_AT) == []
    assert engine.detect_text(encoded(data.coffee()), min_confidence=0) == []


def test_unsure_and_single_character_lines_are_dropped():
    lines = [
        ReadLine("O", 0.99, 0.1, 0.5, 0.12, 0.55),
        ReadLine("blurred", 0.70, 0.1, 0.1, 0.3, 0.2),
        ReadLine("Exit", 0.95, 0.6, 0.4, 0.8, 0.5),
        ReadLine("Open", 0.90, 0.2, 0.1, 0.4, 0.2),
    ]
    assert [line.text for line in text_from_lines(lines, min_confidence=0)] == ["Open", "Exit"]
    assert [line.text for line in text_from_lines(lines, min_confidence=92)] == ["Exit"]


# --- moderation as a mapping -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (763, ("Violence", "Weapons")),  # revolver
        (413, ("Violence", "Weapons")),  # assault rifle
        (907, ("Alcohol", "Alcoholic Beverages")),  # wine bottle
        (445, ("Swimwear or Underwear", "Female Swimwear or Underwear")),  # bikini
        (842, ("Swimwear or Underwear", "Male Swimwear or Underwear")),  # swimming trunks
        (845, ("Drugs & Tobacco", "Drug & Tobacco Paraphernalia & Use")),  # syringe
        (800, ("Gambling", "Gambling")),  # slot machine
        (657, None),  # "missile": mostly a space rocket
        (499, None),  # cleaver: a kitchen tool
        (968, None),  # cup
        (572, None),  # goblet
    ],
)
def test_imagenet_classes_that_mean_a_moderation_label(index, expected):
    assert imagenet_moderation(index) == expected


def test_a_revolver_is_violence_with_its_level_one_parent():
    probabilities = np.zeros(1000, dtype=np.float32)
    probabilities[763] = 0.9  # revolver
    probabilities[281] = 0.1  # tabby: not moderated
    found = moderation_from_scores(0.01, probabilities, min_confidence=MODERATION_AT)
    assert [(label.name, label.parent, label.level) for label in found] == [
        ("Violence", "", 1),
        ("Weapons", "Violence", 2),
    ]
    assert found[0].confidence == found[1].confidence > 90


def test_open_nsfw_scores_become_explicit_or_non_explicit_nudity():
    nothing = np.zeros(1000, dtype=np.float32)
    explicit = moderation_from_scores(0.95, nothing, min_confidence=MODERATION_AT)
    assert {(label.name, label.parent) for label in explicit} == {
        ("Explicit", ""),
        ("Explicit Nudity", "Explicit"),
    }
    suggestive = moderation_from_scores(0.7, nothing, min_confidence=MODERATION_AT)
    assert {label.name for label in suggestive} == {
        "Non-Explicit Nudity of Intimate parts and Kissing",
        "Non-Explicit Nudity",
    }
    assert moderation_from_scores(0.45, nothing, min_confidence=MODERATION_AT) == []


# --- labels as a mapping -----------------------------------------------------------------------
def test_one_object_seen_as_two_classes_is_one_label():
    dog = Detection(class_id=18, score=0.8, left=0.2, top=0.4, right=0.4, bottom=0.9)
    cat = Detection(class_id=17, score=0.73, left=0.2, top=0.4, right=0.41, bottom=0.9)
    other_dog = Detection(class_id=18, score=0.7, left=0.6, top=0.4, right=0.8, bottom=0.9)
    labels = labels_from_scores(
        [cat, dog, other_dog], np.zeros(1000, dtype=np.float32), min_confidence=50, max_labels=20
    )
    names = {label.name for label in labels}
    assert "Cat" not in names
    assert {"Dog", "Canine", "Pet", "Mammal", "Animal"} <= names
    assert len(next(label for label in labels if label.name == "Dog").instances) == 2


def test_a_family_is_as_sure_as_its_members_together():
    probabilities = np.zeros(1000, dtype=np.float32)
    probabilities[[22, 21, 23]] = [0.45, 0.25, 0.2]  # bald eagle, kite, vulture
    labels = {
        label.name: label.confidence
        for label in labels_from_scores([], probabilities, min_confidence=0, max_labels=100)
    }
    assert labels["Bird"] == pytest.approx(calibrated(0.9, CLASSIFIER_CURVE), abs=0.01)
    assert labels["Bird"] > labels["Bald Eagle"] > labels["Kite Bird"] > labels["Vulture"]


def test_calibration_keeps_order_and_the_measured_boundary():
    for curve in (DETECTOR_CURVE, CLASSIFIER_CURVE, NSFW_CURVE):
        values = [calibrated(raw / 100, curve) for raw in range(101)]
        assert values == sorted(values) and values[0] == 0 and values[-1] <= 100
    assert calibrated(0.76, DETECTOR_CURVE) > LABELS_AT  # the astronaut
    assert calibrated(0.586, DETECTOR_CURVE) < LABELS_AT  # a "cow" that is a horse
    assert calibrated(0.566, CLASSIFIER_CURVE) < LABELS_AT  # a "moped" that is a motorcycle


def test_every_class_is_a_known_label_with_known_ancestors_and_categories():
    taxonomy = Taxonomy(imagenet_names())
    known_categories = {category for names in CATEGORIES.values() for category in names}
    assert len(taxonomy.imagenet) == 1000
    assert set(taxonomy.imagenet[151:269]) == {"Dog"}
    assert set(taxonomy.imagenet[281:286]) == {"Cat"}
    assert taxonomy.imagenet[967] == "Espresso" and taxonomy.imagenet[21] == "Kite Bird"
    for name in {*taxonomy.imagenet, *COCO_LABELS.values()}:
        info = taxonomy.label(name)
        assert name not in info.parents
        assert len(set(info.parents)) == len(info.parents)
        assert all(taxonomy.label(parent) for parent in info.parents)
        assert set(info.categories) <= known_categories
    assert taxonomy.label("Dog").parents == ("Canine", "Pet", "Mammal", "Animal")
    assert taxonomy.label("Zebra").categories == ("Animals and Pets",)


def test_analysis_models_name_each_model_and_version(engine):
    models = engine.models()
    assert set(models) == {"labels", "moderation", "text"}
    assert "SSD-MobileNet-v2" in models["labels"] and "EfficientNet-Lite3" in models["labels"]
    assert "open_nsfw" in models["moderation"] and "0.1.0" in models["moderation"]
    assert "PP-OCR" in models["text"] and "1.4.4" in models["text"]
