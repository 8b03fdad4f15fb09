"""S3 event handlers: objects landing in the bucket (moto), events as AWS documents them."""

from __future__ import annotations

import json
import logging

import pytest
from zappa.asynchronous import route_lambda_task

from accounts.models import FacePhoto, StoredFace
from imagesift import events
from insight.models import ImageAnalysis
from tests.aws import MEDIA_BUCKET, on_lambda, s3_put_event
from tests.factories import enroll, make_employee
from tests.uploads import sample_photo

FACE = "Jackie_Chan"
PREFIX = "site media"  # a space: S3 sends it as "+" in the event's key

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.s3_media(prefix=PREFIX)]


@pytest.fixture
def enrolled_on_lambda(s3_media, faces, monkeypatch) -> tuple[FacePhoto, dict]:
    """A photo enrolled on Lambda: stored and committed; its indexing task, sent elsewhere."""
    with on_lambda(monkeypatch) as invocations:
        invocations.expect(1)
        [photo] = enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])
    return photo, invocations.payloads[0]


@pytest.fixture
def pending_photo(enrolled_on_lambda) -> FacePhoto:
    return enrolled_on_lambda[0]


def state(photo: FacePhoto) -> tuple:
    photo = FacePhoto.objects.get(pk=photo.pk)
    return photo.state, photo.face_id, photo.indexed_at


def test_photo_event_indexes_the_photo_once(enrolled_on_lambda):
    pending_photo, task_payload = enrolled_on_lambda
    assert pending_photo.state == FacePhoto.State.PENDING
    event = s3_put_event(f"{PREFIX}/{pending_photo.image.name}")
    assert event["Records"][0]["s3"]["object"]["key"].startswith("site+media%2Fphotos%2F")

    events.object_created(event)

    indexed = state(pending_photo)
    assert indexed[0] == FacePhoto.State.INDEXED
    assert StoredFace.objects.count() == 1

    events.object_created(event)  # S3 delivers at least once: a duplicate
    route_lambda_task(task_payload, None)  # and the enrolment's own task, late

    assert state(pending_photo) == indexed
    assert StoredFace.objects.count() == 1


def test_photo_event_before_its_row_commits_is_left_to_the_task(s3_media, caplog):
    caplog.set_level(logging.INFO, logger="accounts.tasks")

    events.object_created(s3_put_event(f"{PREFIX}/photos/7/0123abcd.jpg"))

    assert "No photo row for photos/7/0123abcd.jpg" in caplog.text
    assert not StoredFace.objects.exists()


def test_an_image_dropped_into_uploads_is_analysed_once(s3_media):
    key = f"{PREFIX}/uploads/front door/cat+1.jpg"
    s3_media.put_object(Bucket=MEDIA_BUCKET, Key=key, Body=sample_photo("chelsea"))
    event = s3_put_event(key)

    events.object_created(event)

    analysis = ImageAnalysis.objects.get()
    assert analysis.image.name == "uploads/front door/cat+1.jpg"
    assert analysis.source == ImageAnalysis.Source.BUCKET
    assert analysis.status == ImageAnalysis.Status.DONE, analysis.failure_reason
    assert "Cat" in [label["name"] for label in analysis.labels]
    metadata_key = f"{PREFIX}/metadata/uploads/front door/cat+1.jpg.json"
    document = json.loads(s3_media.get_object(Bucket=MEDIA_BUCKET, Key=metadata_key)["Body"].read())
    assert document["labels"] == analysis.labels
    analysed_at = analysis.analysed_at

    events.object_created(event)  # a replay
    events.object_created(s3_put_event(metadata_key))  # the metadata's own event

    assert ImageAnalysis.objects.get().analysed_at == analysed_at


def test_an_unreadable_dropped_file_is_a_failed_analysis_not_an_error(s3_media):
    key = f"{PREFIX}/uploads/notes.jpg"
    s3_media.put_object(Bucket=MEDIA_BUCKET, Key=key, Body=b"\xff\xd8")

    events.object_created(s3_put_event(key))

    analysis = ImageAnalysis.objects.get()
    assert analysis.status == ImageAnalysis.Status.FAILED
    assert analysis.failure_reason == "The file is not an image."


@pytest.mark.parametrize(
    "key, bucket",
    [
        (f"{PREFIX}/probes/2026/01/02/probe.jpg", MEDIA_BUCKET),  # written by every verification
        (f"{PREFIX}/metadata/analysis.json", MEDIA_BUCKET),
        ("photos/1/elsewhere.jpg", MEDIA_BUCKET),  # outside this site's prefix
        (f"{PREFIX}/photos/1/other.jpg", "someone-elses-bucket"),
    ],
)
def test_other_objects_change_nothing(pending_photo, key, bucket):
    events.object_created(s3_put_event(key, bucket=bucket))

    assert state(pending_photo)[0] == FacePhoto.State.PENDING


def test_only_created_objects_count(pending_photo):
    event = s3_put_event(f"{PREFIX}/{pending_photo.image.name}")
    event["Records"][0]["eventName"] = "ObjectRemoved:Delete"

    events.object_created(event)

    assert state(pending_photo)[0] == FacePhoto.State.PENDING
