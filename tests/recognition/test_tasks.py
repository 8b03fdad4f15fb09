"""Indexing tasks: in-process here, Zappa async invocations on Lambda, and done once either way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from zappa.asynchronous import route_lambda_task

from accounts.models import FacePhoto
from accounts.roles import Role
from recognition import services, tasks
from recognition.models import StoredFace, Verification
from tests.aws import on_lambda
from tests.conftest import enroll, make_employee
from tests.recognition.rekognition_stubs import stubbed_rekognition
from tests.uploads import upload

pytestmark = pytest.mark.django_db(transaction=True)

FACE = "Jackie_Chan"


@pytest.fixture
def lambda_invocations(monkeypatch):
    with on_lambda(monkeypatch) as invocations:
        yield invocations


def test_off_lambda_the_task_runs_in_process_after_commit(faces, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)

    [photo] = enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])

    assert photo.state == FacePhoto.State.INDEXED
    assert StoredFace.objects.filter(face_id=photo.face_id).exists()


def test_on_lambda_enrolment_invokes_the_function_with_the_task(faces, lambda_invocations):
    lambda_invocations.expect(1)

    [photo] = enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])

    assert photo.state == FacePhoto.State.PENDING  # the work went to another invocation
    assert lambda_invocations.payloads == [
        {
            "task_path": "recognition.tasks.index_photo",
            "capture_response": False,
            "response_id": None,
            "args": [photo.pk],
            "kwargs": {},
            "command": "zappa.asynchronous.route_lambda_task",
        }
    ]

    route_lambda_task(lambda_invocations.payloads[0], None)  # what that invocation runs

    photo.refresh_from_db()
    assert photo.state == FacePhoto.State.INDEXED
    assert StoredFace.objects.filter(face_id=photo.face_id).exists()


def test_rolled_back_enrolment_invokes_nothing(faces, lambda_invocations):
    jackie = make_employee("Jackie Chan")

    with pytest.raises(RuntimeError), transaction.atomic():
        services.photo_enroll(person=jackie, upload=faces.of(FACE)[0].read_bytes())
        raise RuntimeError("the request failed after the photo was stored")

    assert lambda_invocations.payloads == []  # the Stubber would have failed an unexpected one
    assert not FacePhoto.objects.exists()


def test_indexing_is_done_once_however_often_it_is_asked(faces):
    [photo] = enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])

    assert tasks.index_pending_photo(photo.pk) is False  # indexed already: a replay
    assert tasks.index_pending_photo(photo.pk + 1000) is False  # deleted meanwhile

    after = FacePhoto.objects.get(pk=photo.pk)
    assert (after.face_id, after.indexed_at) == (photo.face_id, photo.indexed_at)
    assert StoredFace.objects.count() == 1


def test_reindexing_indexes_the_photo_afresh(faces):
    [photo] = enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])

    services.photo_reindex(photo=photo)

    photo_after = FacePhoto.objects.get(pk=photo.pk)
    assert photo_after.state == FacePhoto.State.INDEXED
    assert photo_after.face_id != photo.face_id  # indexed afresh, the old face gone
    assert [str(face.face_id) for face in StoredFace.objects.all()] == [photo_after.face_id]


def test_an_upload_while_the_engine_is_unavailable_stays_pending(
    faces, settings, monkeypatch, api_as
):
    """The photo is accepted (201) and waits; it is indexed when asked again later."""
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    employee = make_employee("Jackie Chan")
    with stubbed_rekognition(settings, monkeypatch) as rekognition:
        rekognition.fails("index_faces", "AccessDeniedException", "not allowed")
        response = api_as(Role.ADMIN).post(
            f"/api/v1/employees/{employee.pk}/photos/",
            {"image": upload(faces.of(FACE)[0].read_bytes())},
            format="multipart",
        )

    assert response.status_code == 201
    assert response.json()["state"] == FacePhoto.State.PENDING
    assert FacePhoto.objects.get().state == FacePhoto.State.PENDING


def test_the_daily_purge_deletes_expired_probe_images(faces):
    verification = services.verification_perform(
        upload=faces.nonface()[0].read_bytes(), channel="api"
    )
    Verification.objects.filter(pk=verification.pk).update(
        probe_expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert tasks.purge_expired_probes({"source": "aws.events"}, None) == 1

    verification.refresh_from_db()
    assert not verification.probe_image
    assert not verification.probe_image.storage.exists(verification.probe_image.name or "x")
