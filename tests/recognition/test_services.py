"""Enrolment and verification services on the local engine, with real photos."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import FacePhoto
from recognition import services
from recognition.models import Verification
from tests.factories import enroll, make_employee, make_visitor, verify
from vision.errors import ImageRejected

pytestmark = pytest.mark.django_db(transaction=True)

# The one non-face photo in which YuNet finds a face (a dog looking into the camera, 0.86).
DOG_CLOSE_UP = "5.jpg"


def test_enrolled_employee_is_recognised_from_another_photo(faces):
    name = faces.people_with(4)[0]
    ada = make_employee(name)
    photos = enroll(ada, *faces.of(name)[:2])
    assert [photo.state for photo in photos] == [FacePhoto.State.INDEXED] * 2
    assert all(photo.face_id for photo in photos)

    verification = verify(faces.of(name)[3])

    assert verification.decision == Verification.Decision.EMPLOYEE
    assert verification.person_id == ada.pk
    assert verification.similarity >= 60
    assert verification.faces_seen == 1
    assert verification.face_box["width"] > 50
    assert verification.probe_image  # kept for the retention period
    assert verification.probe_expires_at > timezone.now() + timedelta(days=29)


def test_strangers_are_unknown_and_non_faces_have_no_face(faces):
    for name in faces.people_with(3)[:6]:
        enroll(make_employee(name), *faces.of(name)[:2])

    for path in faces.unknown()[:8]:
        assert verify(path).decision == Verification.Decision.UNKNOWN, path.name
    for path in faces.nonface():
        verification = verify(path)
        if path.name == DOG_CLOSE_UP:  # a face to the detector, nobody to the collection
            assert verification.decision == Verification.Decision.UNKNOWN
            assert verification.person is None
            continue
        assert verification.decision == Verification.Decision.NO_FACE, path.name
        assert verification.person is None and verification.faces_seen == 0


def test_group_photo_decides_on_the_largest_face_and_counts_them(faces):
    verification = verify(faces.multi(1))  # Obama and Biden
    assert verification.faces_seen == 2
    assert verification.decision == Verification.Decision.UNKNOWN
    widths = verification.face_box["width"]
    assert widths > 100


def test_visitor_inside_and_outside_the_visit_window(faces):
    name_in, name_out = faces.people_with(4)[1:3]
    host = make_employee("Host Person")
    enroll(make_visitor(name_in, host=host), *faces.of(name_in)[:2])
    enroll(make_visitor(name_out, starts_in=timedelta(days=1)), *faces.of(name_out)[:2])

    inside = verify(faces.of(name_in)[3])
    outside = verify(faces.of(name_out)[3])

    assert inside.decision == Verification.Decision.VISITOR
    assert outside.decision == Verification.Decision.VISITOR_OUTSIDE_WINDOW
    assert "not started" in outside.reason


def test_denied_person_is_denied_even_when_recognised(faces):
    name = faces.people_with(4)[3]
    employee = make_employee(name, denied=True, denied_reason="Badge revoked")
    enroll(employee, *faces.of(name)[:2])

    verification = verify(faces.of(name)[3])

    assert verification.decision == Verification.Decision.DENIED
    assert verification.reason == "Badge revoked"
    assert verification.person_id == employee.pk


def test_bad_upload_records_nothing(faces):
    with pytest.raises(ImageRejected) as rejected:
        services.verification_perform(upload=b"not an image at all", channel="api")
    assert rejected.value.code == "not_an_image"
    assert not Verification.objects.exists()


def test_expired_probe_images_are_purged_but_the_log_stays(faces):
    verification = verify(faces.nonface()[0])
    storage, name = verification.probe_image.storage, verification.probe_image.name

    purged = services.verification_probes_purge(now=timezone.now() + timedelta(days=31))

    assert purged == 1
    verification.refresh_from_db()
    assert not verification.probe_image and not storage.exists(name)
    assert verification.decision == Verification.Decision.NO_FACE
