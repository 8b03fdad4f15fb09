"""An unavailable engine behind an admin page: a clear 503 page, and nothing changed."""

import pytest

from accounts.models import FacePhoto
from tests.factories import make_employee
from tests.rekognition_stubs import stubbed_rekognition

pytestmark = pytest.mark.django_db


def test_deleting_a_photo_while_rekognition_refuses_says_why_and_keeps_it(
    admin, settings, monkeypatch
):
    photo = FacePhoto.objects.create(
        person=make_employee(), image="photos/1/a.jpg", state="indexed", face_id="f-1"
    )
    with stubbed_rekognition(settings, monkeypatch) as rekognition:
        rekognition.fails("delete_faces", "AccessDeniedException", "not allowed")
        response = admin.post(f"/admin/accounts/facephoto/{photo.pk}/delete/", {"post": "yes"})

    assert response.status_code == 503
    assert "Face recognition is unavailable" in response.content.decode()
    assert FacePhoto.objects.filter(pk=photo.pk, face_id="f-1").exists()
