"""Image insight's writes: images in, analysed on the local engine, results stored, images out."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, transaction

from accounts import services as people
from insight import services
from insight.documents import analysis_document
from insight.models import AnalysisFace, AnalysisLabel, ImageAnalysis
from tests.factories import enroll, make_employee
from tests.insight.pictures import sign
from tests.rekognition_stubs import stubbed_rekognition
from tests.uploads import media_files, sample_photo
from vision.errors import ImageRejected

pytestmark = pytest.mark.django_db(transaction=True)

CLI = ImageAnalysis.Source.CLI


def submit(content: bytes, **options) -> ImageAnalysis:
    """Submit as a request does: the analysis runs once the transaction commits."""
    with transaction.atomic():
        analysis = services.image_intake(upload=content, source=CLI, **options).analysis
        assert ImageAnalysis.objects.get(pk=analysis.pk).status == ImageAnalysis.Status.PENDING
    return ImageAnalysis.objects.get(pk=analysis.pk)


def label_names(analysis: ImageAnalysis) -> list[str]:
    return [label["name"] for label in analysis.labels]


def test_an_image_is_stored_analysed_and_written_as_metadata():
    analysis = submit(sample_photo("chelsea"), original_name="chelsea.jpg")

    assert analysis.status == ImageAnalysis.Status.DONE, analysis.failure_reason
    assert analysis.image.name.startswith("uploads/") and analysis.image.name.endswith(".jpg")
    assert (analysis.width, analysis.height, analysis.original_name) == (451, 300, "chelsea.jpg")
    assert "Cat" in label_names(analysis)
    cat = next(label for label in analysis.labels if label["name"] == "Cat")
    assert {"Animal", "Mammal", "Pet"} <= set(cat["parents"])
    assert {"Animal", "Mammal", "Pet"} <= set(label_names(analysis))  # parents are labels too
    assert "Person" not in label_names(analysis)
    assert analysis.moderation_flagged is False and analysis.moderation_labels == []
    assert analysis.engine == "local" and set(analysis.models_used) >= {"labels", "faces"}
    assert set(analysis.timings_ms) == {"labels", "moderation", "faces", "text", "total"}

    assert analysis.metadata_name == f"metadata/{analysis.image.name}.json"
    with default_storage.open(analysis.metadata_name) as stored:
        document = json.load(stored)
    assert document == json.loads(json.dumps(analysis_document(analysis)))
    assert document["image"]["key"] == analysis.image.name
    assert AnalysisLabel.objects.filter(analysis=analysis, key="cat").exists()
    assert AnalysisLabel.objects.filter(analysis=analysis, key="animal").exists()


def uploads() -> set[str]:
    """The images in storage (the media folder is the whole session's)."""
    return {name for name in media_files() if name.startswith("uploads/")}


def test_the_same_image_taken_in_again_gets_its_analysis_and_nothing_is_stored():
    before = uploads()
    first = services.image_intake(upload=sample_photo("chelsea"), source=CLI, original_name="a")
    stored = uploads()

    again = services.image_intake(
        upload=sample_photo("chelsea"), source=ImageAnalysis.Source.WEB, original_name="b"
    )

    assert (first.reused, again.reused) == (False, True)
    assert again.analysis.pk == first.analysis.pk and ImageAnalysis.objects.count() == 1
    assert again.analysis.status == ImageAnalysis.Status.DONE
    assert (again.analysis.source, again.analysis.original_name) == (CLI, "a")  # the first's
    assert uploads() == stored and len(stored - before) == 1
    assert (
        services.image_intake(upload=sample_photo("chelsea"), source=CLI).analysis == first.analysis
    )


def test_asked_for_other_labels_the_same_image_is_analysed_again():
    default = services.image_intake(upload=sample_photo("chelsea"), source=CLI)
    fewer = services.image_intake(upload=sample_photo("chelsea"), source=CLI, max_labels=2)
    explicit = services.image_intake(
        upload=sample_photo("chelsea"),
        source=CLI,
        min_confidence=settings.IMAGESIFT_LABELS_MIN_CONFIDENCE,
        max_labels=settings.IMAGESIFT_LABELS_MAX_LABELS,
    )

    assert (default.reused, fewer.reused, explicit.reused) == (False, False, True)
    assert explicit.analysis == default.analysis != fewer.analysis


def test_an_image_whose_analysis_failed_is_analysed_afresh():
    first = services.image_intake(upload=sample_photo("coffee"), source=CLI)
    ImageAnalysis.objects.filter(pk=first.analysis.pk).update(
        status=ImageAnalysis.Status.FAILED, failure_reason="The labels step failed: boom"
    )

    again = services.image_intake(upload=sample_photo("coffee"), source=CLI)

    assert not again.reused and again.analysis.pk != first.analysis.pk
    again.analysis.refresh_from_db()
    assert again.analysis.status == ImageAnalysis.Status.DONE


def test_an_image_still_pending_is_reused_as_it_is():
    with transaction.atomic():  # as a request: analysed once this commits
        first = services.image_intake(upload=sample_photo("coffee"), source=CLI)
        again = services.image_intake(upload=sample_photo("coffee"), source=CLI)
        assert again.reused and again.analysis.pk == first.analysis.pk
        assert again.analysis.status == ImageAnalysis.Status.PENDING
    assert ImageAnalysis.objects.get().status == ImageAnalysis.Status.DONE


def test_the_same_image_taken_in_twice_at_once_is_stored_once():
    content = sample_photo("astronaut")
    start = threading.Barrier(2)
    before = uploads()

    def take_in(_: int) -> tuple[int, bool]:
        try:
            start.wait(timeout=10)
            intake = services.image_intake(upload=content, source=CLI)
            return intake.analysis.pk, intake.reused
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(take_in, range(2)))

    assert sorted(reused for _, reused in answers) == [False, True]
    assert len({pk for pk, _ in answers}) == 1
    assert ImageAnalysis.objects.count() == 1 and len(uploads() - before) == 1


def test_the_text_read_is_stored_as_one_searchable_string():
    analysis = submit(sign(("EMERGENCY EXIT", "Espresso 2.50")))

    assert [line["text"] for line in analysis.text_lines] == ["EMERGENCY EXIT", "Espresso 2.50"]
    assert analysis.text_content == "EMERGENCY EXIT Espresso 2.50"
    assert services.text_for_search(["  two   spaces ", "", "next"]) == "two spaces next"


def test_labels_keep_to_the_confidence_and_count_asked_for():
    everything = submit(sample_photo("chelsea"), min_confidence=50)
    one = submit(sample_photo("chelsea"), min_confidence=50, max_labels=1)
    confident = submit(sample_photo("chelsea"), min_confidence=99.9)

    assert len(everything.labels) > 1
    assert label_names(one) == label_names(everything)[:1]
    assert (one.min_confidence, one.max_labels) == (50, 1)
    assert all(label["confidence"] >= 99.9 for label in confident.labels)
    assert len(confident.labels) < len(everything.labels)


def test_faces_are_found_and_matched_to_enrolled_people(faces):
    jackie = make_employee("Jackie Chan")
    enroll(jackie, *faces.of("Jackie_Chan")[:2])

    analysis = submit(faces.of("Jackie_Chan")[3].read_bytes())

    [face] = AnalysisFace.objects.filter(analysis=analysis)
    assert face.person_id == jackie.pk and face.similarity >= settings.IMAGESIFT_MATCH_THRESHOLD
    assert 0 < face.box["width"] < 1 and 0 <= face.box["left"] < 1
    document = analysis_document(analysis)
    assert document["faces"][0]["person"] == {
        "id": jackie.pk,
        "name": "Jackie Chan",
        "kind": "employee",
    }
    assert "Person" in label_names(analysis)


def test_a_group_photo_has_every_face_and_strangers_stay_unknown(faces):
    analysis = submit(faces.multi(1).read_bytes())

    found = list(AnalysisFace.objects.filter(analysis=analysis))
    assert len(found) >= 2
    assert [face.position for face in found] == list(range(len(found)))
    assert all(face.person_id is None and face.similarity is None for face in found)
    areas = [face.box["width"] * face.box["height"] for face in found]
    assert areas == sorted(areas, reverse=True)


@pytest.mark.parametrize("content", [b"not an image at all", b"\xff\xd8\xff"])
def test_a_bad_upload_is_refused_and_nothing_is_kept(content):
    files_before = media_files()

    with pytest.raises(ImageRejected):
        services.image_intake(upload=content, source=CLI)

    assert not ImageAnalysis.objects.exists()
    assert media_files() == files_before


def test_an_unreadable_stored_image_fails_with_the_reason():
    name = default_storage.save("uploads/dropped/notes.jpg", ContentFile(b"Name,Badge\n" * 20))
    analysis = services.image_register_stored(name=name)

    assert services.image_analyze(analysis_id=analysis.pk)

    analysis.refresh_from_db()
    assert analysis.status == ImageAnalysis.Status.FAILED
    assert analysis.failure_reason == "The file is not an image."
    assert analysis.source == ImageAnalysis.Source.BUCKET and analysis.original_name == "notes.jpg"
    assert default_storage.exists(name)  # what was accepted stays


def test_an_image_gone_from_storage_fails_with_the_reason():
    analysis = services.image_register_stored(name="uploads/never/stored.jpg")

    services.image_analyze(analysis_id=analysis.pk)

    analysis.refresh_from_db()
    assert analysis.status == ImageAnalysis.Status.FAILED
    assert analysis.failure_reason == "The image is no longer in storage."


def test_registering_a_stored_image_twice_gives_the_same_analysis():
    name = default_storage.save("uploads/dropped/cat.jpg", ContentFile(sample_photo("chelsea")))

    first = services.image_register_stored(name=name)
    assert services.image_analyze(analysis_id=first.pk)
    again = services.image_register_stored(name=name)

    assert again.pk == first.pk and ImageAnalysis.objects.count() == 1
    assert not services.image_analyze(analysis_id=again.pk)  # done already: nothing to do


def test_analysing_again_replaces_the_result():
    analysis = submit(sample_photo("chelsea"))
    rows = AnalysisLabel.objects.filter(analysis=analysis).count()

    with transaction.atomic():
        services.analysis_restart(analysis=analysis)

    analysis.refresh_from_db()
    assert analysis.status == ImageAnalysis.Status.DONE
    assert AnalysisLabel.objects.filter(analysis=analysis).count() == rows


def test_deleting_an_image_removes_its_file_metadata_and_analysis():
    analysis = submit(sample_photo("coffee"))
    names = [analysis.image.name, analysis.metadata_name]
    assert all(default_storage.exists(name) for name in names)

    with transaction.atomic():
        services.image_delete(analysis=analysis)

    assert not ImageAnalysis.objects.exists() and not AnalysisLabel.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_an_analysis_that_no_longer_exists_is_not_brought_back():
    name = default_storage.save("uploads/dropped/cup.jpg", ContentFile(sample_photo("coffee")))
    analysis = services.image_register_stored(name=name)
    ImageAnalysis.objects.filter(pk=analysis.pk).delete()

    assert services.image_analyze(analysis_id=analysis.pk) is False
    assert not ImageAnalysis.objects.exists() and not AnalysisLabel.objects.exists()


# --- the same service on Rekognition (answered by botocore's Stubber) ----------------------------
def test_on_rekognition_the_analysis_is_the_same_document(settings, monkeypatch, cat_labels):
    content = sample_photo("chelsea")
    with stubbed_rekognition(settings, monkeypatch) as aws:
        aws.stubber.add_response("detect_labels", cat_labels)
        aws.stubber.add_response(
            "detect_moderation_labels", {"ModerationLabels": [], "ModerationModelVersion": "7.0"}
        )
        aws.detects()
        aws.stubber.add_response("detect_text", {"TextDetections": []})

        analysis = submit(content)

        aws.stubber.assert_no_pending_responses()
    assert analysis.status == ImageAnalysis.Status.DONE, analysis.failure_reason
    assert analysis.engine == "rekognition"
    document = analysis_document(analysis)
    cat = next(label for label in document["labels"] if label["name"] == "Cat")
    assert cat["parents"] == ["Animal", "Mammal", "Pet"]
    assert cat["categories"] == ["Animals and Pets"]
    assert document["moderation"] == {"flagged": False, "labels": []}
    assert document["faces"] == [] and document["text"] == []
    assert AnalysisLabel.objects.filter(analysis=analysis, key="cat").exists()


def test_while_the_engine_is_unavailable_an_analysis_stays_pending(settings, monkeypatch):
    with stubbed_rekognition(settings, monkeypatch) as aws:
        aws.fails("detect_labels", "ThrottlingException", "slow down")
        analysis = submit(sample_photo("coffee"))

    assert analysis.status == ImageAnalysis.Status.PENDING and analysis.failure_reason == ""
    assert default_storage.exists(analysis.image.name)  # accepted: kept, to be analysed later


def test_erasing_a_person_makes_their_faces_unknown_in_the_metadata_too(faces):
    jackie = make_employee("Jackie Chan")
    enroll(jackie, *faces.of("Jackie_Chan")[:2])
    analysis = submit(faces.of("Jackie_Chan")[3].read_bytes())
    assert AnalysisFace.objects.get(analysis=analysis).person_id == jackie.pk

    people.person_erase(person=jackie)

    face = AnalysisFace.objects.get(analysis=analysis)
    assert (face.person_id, face.similarity) == (None, None)
    with default_storage.open(analysis.metadata_name) as stored:
        document = json.load(stored)
    assert document["faces"][0]["person"] is None
    assert "Jackie" not in json.dumps(document)
