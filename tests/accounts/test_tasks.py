"""Indexing tasks: in-process here, Zappa async invocations on Lambda, done once either way, never
leaving a face behind a photo that changed meanwhile, and swept up when they went stale."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from zappa.asynchronous import route_lambda_task

from accounts import services, tasks
from accounts.models import Employee, FacePhoto, Person, StoredFace
from accounts.roles import Role
from recognition.models import Verification
from tests.aws import on_lambda
from tests.factories import enroll, make_employee, stored, verify
from tests.rekognition_stubs import stubbed_rekognition
from tests.uploads import upload

pytestmark = pytest.mark.django_db(transaction=True)

FACE = "Jackie_Chan"


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
            "task_path": "accounts.tasks.index_photo",
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

    assert services.photo_index(photo_id=photo.pk) is False  # indexed already: a replay
    assert services.photo_index(photo_id=photo.pk + 1000) is False  # deleted meanwhile

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


# --- changes while a photo is being indexed ---------------------------------------------------
@contextmanager
def while_its_face_is_stored(act: Callable[[], None]) -> Iterator[None]:
    """Run `act` (a concurrent request) just as the local collection stores the face it has
    worked out: the moment between claiming the photo and writing its result back."""
    done = []

    def wrapper(execute, sql, params, many, context):
        if not done and sql.startswith('INSERT INTO "accounts_storedface"'):
            done.append(True)
            act()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield
    assert done, "the face was never stored"


def test_a_photo_deleted_while_it_is_indexed_leaves_no_face(faces):
    jackie = make_employee("Jackie Chan")
    photo_ids = []

    def delete_the_photo() -> None:
        services.photo_delete(photo=FacePhoto.objects.get(pk=photo_ids[0]))

    with while_its_face_is_stored(delete_the_photo), transaction.atomic():
        photo = services.photo_enroll(person=jackie, upload=faces.of(FACE)[0].read_bytes())
        photo_ids.append(photo.pk)

    assert not FacePhoto.objects.exists()
    assert not StoredFace.objects.exists()
    assert verify(faces.of(FACE)[3]).decision == Verification.Decision.UNKNOWN


def test_a_person_erased_while_their_photo_is_indexed_is_not_admitted(faces):
    jackie = make_employee("Jackie Chan")
    enroll(jackie, faces.of(FACE)[1])  # a face indexed before, erased too

    def erase_the_person() -> None:
        services.person_erase(person=Person.objects.get(pk=jackie.pk))

    with while_its_face_is_stored(erase_the_person), transaction.atomic():
        services.photo_enroll(person=jackie, upload=faces.of(FACE)[0].read_bytes())

    assert not Person.objects.exists() and not FacePhoto.objects.exists()
    assert not StoredFace.objects.exists()
    assert verify(faces.of(FACE)[3]).decision == Verification.Decision.UNKNOWN


def test_consent_withdrawn_while_a_photo_is_indexed_keeps_no_face(faces):
    jackie = make_employee("Jackie Chan")

    def withdraw_consent() -> None:
        person = Employee.objects.get(pk=jackie.pk)
        services.person_update(person=person, data={"consent_recorded_by": ""})

    with while_its_face_is_stored(withdraw_consent), transaction.atomic():
        photo = services.photo_enroll(person=jackie, upload=faces.of(FACE)[0].read_bytes())

    photo.refresh_from_db()
    assert (photo.state, photo.rejection_reason) == ("rejected", "no_consent")
    assert not StoredFace.objects.exists()


def test_on_rekognition_a_photo_deleted_while_it_is_indexed_has_its_face_deleted(
    faces, settings, monkeypatch
):
    jackie = make_employee("Jackie Chan")
    key = str(jackie.pk)
    photo_ids = []
    with stubbed_rekognition(settings, monkeypatch) as aws:
        face_id = aws.enrols(key)
        aws.compares(face_id)  # enrolment advice, before the write-back finds the photo gone
        aws.deletes(face_id, held_by=key)  # taken out again, once the photo is found gone

        def delete_the_photo(**kwargs) -> None:
            FacePhoto.objects.filter(pk=photo_ids[0]).delete()

        aws.collection.client.meta.events.register(
            "after-call.rekognition.IndexFaces", delete_the_photo
        )
        with transaction.atomic():
            photo = services.photo_enroll(person=jackie, upload=faces.of(FACE)[0].read_bytes())
            photo_ids.append(photo.pk)
        aws.collection.client.meta.events.unregister(
            "after-call.rekognition.IndexFaces", delete_the_photo
        )

    assert not FacePhoto.objects.exists()


# --- the sweep --------------------------------------------------------------------------------
def test_photos_left_waiting_or_half_indexed_are_indexed_by_the_sweep(faces, settings):
    settings.IMAGESIFT_STALE_TASK_MINUTES = 10
    jackie = make_employee("Jackie Chan")
    # Stored on Lambda, their tasks sent elsewhere (and lost).
    with pytest.MonkeyPatch.context() as lambda_env, on_lambda(lambda_env) as invocations:
        invocations.expect(2)
        waiting, lost = enroll(jackie, *faces.of(FACE)[:2])
    an_hour_ago = timezone.now() - timedelta(hours=1)
    FacePhoto.objects.filter(pk__in=[waiting.pk, lost.pk]).update(created_at=an_hour_ago)
    FacePhoto.objects.filter(pk=lost.pk).update(state="indexing", claimed_at=an_hour_ago)

    assert tasks.requeue_stale_photos({"source": "aws.events"}, None) == 2

    states = set(FacePhoto.objects.values_list("state", flat=True))
    assert states == {FacePhoto.State.INDEXED}
    assert StoredFace.objects.count() == 2
    assert tasks.requeue_stale_photos() == 0


def test_deletions_racing_indexing_on_two_threads_never_leave_a_face(faces):
    """Whatever the interleaving: photos deleted, and a person erased, while another thread
    indexes them. Every face left in the collection belongs to a photo that is still there."""
    people = faces.people_with(4)[:2]
    with pytest.MonkeyPatch.context() as lambda_env, on_lambda(lambda_env) as invocations:
        invocations.expect(8)  # stored, their tasks sent elsewhere: this test runs them
        stored = [enroll(make_employee(name), *faces.of(name)[:4]) for name in people]
    photo_ids = [photo.pk for photos in stored for photo in photos]

    def index_them() -> None:
        for photo_id in photo_ids:
            services.photo_index(photo_id=photo_id)
        connections.close_all()

    def delete_them() -> None:
        for photo_id in photo_ids[1::2]:
            photo = FacePhoto.objects.filter(pk=photo_id).first()
            if photo is not None:
                services.photo_delete(photo=photo)
        services.person_erase(person=Person.objects.get(pk=stored[1][0].person_id))
        connections.close_all()

    threads = [threading.Thread(target=index_them), threading.Thread(target=delete_them)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    faces_left = set(map(str, StoredFace.objects.values_list("face_id", flat=True)))
    held = set(FacePhoto.objects.exclude(face_id="").values_list("face_id", flat=True))
    assert faces_left == held
    assert services.collection_check().consistent
    assert not FacePhoto.objects.filter(pk__in=photo_ids[1::2]).exists()
    assert not FacePhoto.objects.filter(person_id=stored[1][0].person_id).exists()


# --- the purge of rejected photos ---------------------------------------------------------------
def test_rejected_photos_are_deleted_with_their_files_once_their_retention_is_over(faces, settings):
    settings.IMAGESIFT_REJECTED_PHOTO_RETENTION_DAYS = 30
    no_consent = make_employee("Jackie Chan", consent=False)
    old, recent = enroll(no_consent, *faces.of(FACE)[:2])
    [indexed] = enroll(make_employee("Somebody Else"), faces.of(FACE)[2])
    long_ago = timezone.now() - timedelta(days=31)
    FacePhoto.objects.filter(pk__in=[old.pk, indexed.pk]).update(claimed_at=long_ago)

    assert tasks.purge_rejected_photos({"source": "aws.events"}, None) == 1

    assert set(FacePhoto.objects.values_list("pk", flat=True)) == {recent.pk, indexed.pk}
    assert not stored(old) and stored(recent)


def test_a_rejected_photo_queued_again_is_not_purged(faces, settings):
    settings.IMAGESIFT_REJECTED_PHOTO_RETENTION_DAYS = 30
    [photo] = enroll(make_employee("Jackie Chan", consent=False), faces.of(FACE)[0])
    FacePhoto.objects.filter(pk=photo.pk).update(
        state=FacePhoto.State.PENDING, claimed_at=timezone.now() - timedelta(days=31)
    )  # consent was recorded: it waits for indexing

    assert services.rejected_photos_purge() == 0
    assert stored(photo)


def test_no_purge_when_rejected_photos_are_kept(faces, settings):
    settings.IMAGESIFT_REJECTED_PHOTO_RETENTION_DAYS = 0
    [photo] = enroll(make_employee("Jackie Chan", consent=False), faces.of(FACE)[0])
    FacePhoto.objects.filter(pk=photo.pk).update(claimed_at=timezone.now() - timedelta(days=999))

    assert services.rejected_photos_purge() == 0
