"""Writes of people and their photos (`accounts/services.py`): registration, consent, enrolment,
deletion and erasure, on real photos."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.collection import face_collection
from accounts.models import Employee, FacePhoto, Person, StoredFace, Visitor
from recognition.models import Verification
from tests.factories import enroll, make_employee, make_visitor, verify
from tests.rekognition_stubs import stubbed_rekognition

pytestmark = pytest.mark.django_db(transaction=True)

FACE = "Jackie_Chan"


# --- registration -------------------------------------------------------------------------------
def test_consent_given_at_registration_is_dated():
    before = timezone.now()
    employee = services.employee_create(name="Ada", staff_number="E-1", consent_recorded_by="HR")
    visitor = services.visitor_create(name="Grace", consent_recorded_by="Front desk")
    for person in (employee, visitor):
        assert person.has_consent
        assert before <= person.consent_recorded_at <= timezone.now()


def test_a_consent_time_given_at_registration_is_kept():
    when = timezone.now() - timedelta(days=3)
    employee = services.employee_create(
        name="Ada", staff_number="E-1", consent_recorded_by="HR", consent_recorded_at=when
    )
    assert employee.consent_recorded_at == when


def test_registration_without_consent_records_none():
    employee = services.employee_create(name="Ada", staff_number="E-1")
    assert (employee.consent_recorded_by, employee.consent_recorded_at) == ("", None)


def test_invalid_people_are_refused_and_not_saved():
    make_employee("Ada", staff_number="E-1")
    with pytest.raises(ValidationError) as taken:
        services.employee_create(name="Other", staff_number="E-1")
    with pytest.raises(ValidationError) as nameless:
        services.visitor_create(name="", email="not an address")

    assert "staff_number" in taken.value.message_dict
    assert set(nameless.value.message_dict) == {"name", "email"}
    assert Employee.objects.count() == 1 and not Visitor.objects.exists()


# --- consent ------------------------------------------------------------------------------------
def test_recording_consent_indexes_the_waiting_photos(faces):
    employee = make_employee("Jackie Chan", consent=False)
    photos = enroll(employee, *faces.of(FACE)[:2])
    assert {photo.rejection_reason for photo in photos} == {"no_consent"}

    services.consent_record(person=employee, recorded_by="HR")

    employee.refresh_from_db()
    assert employee.consent_recorded_by == "HR" and employee.has_consent
    assert set(employee.photos.values_list("state", flat=True)) == {FacePhoto.State.INDEXED}
    assert StoredFace.objects.filter(person_key=str(employee.pk)).count() == 2


def test_withdrawing_consent_removes_every_face_but_keeps_the_photos(faces):
    employee = make_employee("Jackie Chan")
    enroll(employee, *faces.of(FACE)[:2])

    services.person_update(person=employee, data={"consent_recorded_by": ""})

    employee.refresh_from_db()
    assert employee.consent_recorded_at is None
    assert set(employee.photos.values_list("state", flat=True)) == {FacePhoto.State.REMOVED}
    assert not StoredFace.objects.exists()
    assert employee.photos.count() == 2


def test_consent_recorded_again_brings_the_faces_back(faces):
    employee = make_employee("Jackie Chan")
    enroll(employee, faces.of(FACE)[0])
    services.person_update(person=employee, data={"consent_recorded_by": ""})

    services.consent_record(person=employee, recorded_by="HR")

    assert employee.photos.get().state == FacePhoto.State.INDEXED
    assert StoredFace.objects.count() == 1


def test_other_changes_leave_the_faces_alone(faces):
    employee = make_employee("Jackie Chan")
    [photo] = enroll(employee, faces.of(FACE)[0])

    services.person_update(person=employee, data={"department": "Stunts", "denied": True})

    photo.refresh_from_db()
    assert photo.state == FacePhoto.State.INDEXED
    assert StoredFace.objects.filter(face_id=photo.face_id).exists()


def test_an_invalid_update_changes_nothing(faces):
    make_employee("Other", staff_number="E-2")
    employee = make_employee("Jackie Chan", staff_number="E-1")

    with pytest.raises(ValidationError):
        services.person_update(
            person=employee, data={"staff_number": "E-2", "consent_recorded_by": ""}
        )

    employee.refresh_from_db()
    assert (employee.staff_number, employee.has_consent) == ("E-1", True)


def test_reindexing_only_waiting_photos_skips_indexed_ones(faces):
    employee = make_employee("Jackie Chan")
    indexed, rejected = enroll(employee, faces.of(FACE)[0], faces.nonface()[0])

    assert services.photos_reindex(person=employee, only_waiting=True) == 1
    assert services.photos_reindex(person=employee) == 2

    indexed.refresh_from_db()
    rejected.refresh_from_db()
    assert indexed.state == FacePhoto.State.INDEXED
    assert (rejected.state, rejected.rejection_reason) == (FacePhoto.State.REJECTED, "no_face")
    assert StoredFace.objects.count() == 1  # re-indexing replaced the face, did not add one


# --- erasure ------------------------------------------------------------------------------------
def test_erasing_a_person_removes_photos_files_and_faces_but_not_the_log(faces):
    employee = make_employee("Jackie Chan")
    photos = enroll(employee, *faces.of(FACE)[:3])
    visitor = make_visitor(host=employee)
    verification = verify(faces.of(FACE)[3], "cli")
    assert verification.person_id == employee.pk

    services.person_erase(person=employee)

    assert not Person.objects.filter(pk=employee.pk).exists()
    assert not Employee.objects.exists()
    assert not FacePhoto.objects.exists() and not StoredFace.objects.exists()
    for photo in photos:
        assert not photo.image.storage.exists(photo.image.name)
    verification = Verification.objects.get()
    assert (verification.person_id, verification.person_name) == (None, "Jackie Chan")
    assert visitor.visits.get().host is None  # the visit stays, without its host


# --- photos ---------------------------------------------------------------------------------
def test_no_face_is_indexed_without_consent(faces):
    name = faces.people_with(2)[0]
    employee = make_employee(name, consent=False)

    [photo] = enroll(employee, faces.of(name)[0])

    assert photo.state == FacePhoto.State.REJECTED
    assert photo.rejection_reason == "no_consent"
    assert not StoredFace.objects.exists()


@pytest.mark.parametrize(
    ("picture", "reason"),
    [("multi", "several_faces"), ("nonface", "no_face")],
)
def test_enrolment_rejects_photos_without_exactly_one_face(faces, picture, reason):
    path = faces.multi(1) if picture == "multi" else faces.nonface()[0]
    [photo] = enroll(make_employee(), path)
    assert photo.state == FacePhoto.State.REJECTED
    assert photo.rejection_reason == reason
    assert not StoredFace.objects.exists()


def test_deleting_a_photo_removes_its_face_and_file(faces):
    name = faces.people_with(2)[0]
    [photo] = enroll(make_employee(name), faces.of(name)[0])
    storage, file_name = photo.image.storage, photo.image.name
    assert storage.exists(file_name)

    services.photo_delete(photo=photo)

    assert not StoredFace.objects.exists()
    assert not storage.exists(file_name)
    assert not FacePhoto.objects.exists()


# --- enrolment advice -----------------------------------------------------------------------------
def test_a_photo_like_the_persons_others_gets_no_advice(faces):
    jackie = make_employee("Jackie Chan")
    photos = enroll(jackie, *faces.of(FACE)[:3])

    for photo in photos:
        photo.refresh_from_db()
        assert (photo.state, photo.advice) == ("indexed", "")


def test_someone_elses_photo_added_to_a_person_is_flagged_as_unlike_their_others(faces):
    jackie = make_employee("Jackie Chan")
    enroll(jackie, *faces.of(FACE)[:2])
    stranger = next(name for name in faces.people_with(2) if name != FACE)

    [wrong] = enroll(jackie, faces.of(stranger)[0])

    wrong.refresh_from_db()
    assert wrong.state == "indexed"  # advice only: the face is indexed all the same
    assert wrong.advice == FacePhoto.Advice.UNLIKE_OWN_PHOTOS
    assert "Does not match this person's other photos" in wrong.advice_text


def test_a_new_person_who_matches_someone_enrolled_is_flagged_with_who(faces):
    jackie = make_employee("Jackie Chan")
    enroll(jackie, *faces.of(FACE)[:2])
    twin = make_visitor("J. Chan")

    [photo] = enroll(twin, faces.of(FACE)[2])

    photo.refresh_from_db()
    assert (photo.advice, photo.advice_person_id) == ("like_someone_else", jackie.pk)
    assert photo.advice_similarity >= face_collection().match_threshold
    assert photo.advice_text.startswith("Looks like Jackie Chan (similarity ")


def test_on_rekognition_the_new_face_is_compared_by_face_id(faces, settings, monkeypatch):
    jackie = make_employee("Jackie Chan")
    twin = make_employee("J. Chan")
    with stubbed_rekognition(settings, monkeypatch) as aws:
        face_id = aws.enrols(str(twin.pk))
        aws.compares(face_id, (str(jackie.pk), "f0e1d2c3-0000-4000-8000-000000000001", 99.1))
        [photo] = enroll(twin, faces.of(FACE)[0])

    photo.refresh_from_db()
    assert (photo.state, photo.advice, photo.advice_person_id) == (
        "indexed",
        "like_someone_else",
        jackie.pk,
    )
    assert photo.advice_similarity == 99.1
