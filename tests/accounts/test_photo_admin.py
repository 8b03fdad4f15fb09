"""Every enrolment photo in the admin: its index state and reason, and actions that go through
the services."""

from __future__ import annotations

import pytest

from accounts.models import FacePhoto, StoredFace
from tests.factories import enroll, make_employee

pytestmark = pytest.mark.django_db(transaction=True)

PHOTOS = "/admin/accounts/facephoto/"
FACE = "Jackie_Chan"


@pytest.fixture
def photos(faces) -> dict[str, FacePhoto]:
    """One indexed photo and two rejected ones of the same employee."""
    employee = make_employee("Jackie Chan")
    indexed, no_face, several = enroll(
        employee, faces.of(FACE)[0], faces.nonface()[0], faces.multi(1)
    )
    return {"indexed": indexed, "no_face": no_face, "several": several}


def rows(page: str, photos: dict[str, FacePhoto]) -> set[str]:
    """Which of the photos the change list shows (by the link to each)."""
    return {name for name, photo in photos.items() if f"{PHOTOS}{photo.pk}/change/" in page}


def test_the_photo_list_shows_rejected_photos_with_their_reasons(admin, photos):
    page = admin.get(PHOTOS, {"state__exact": "rejected"}).content.decode()

    assert rows(page, photos) == {"no_face", "several"}
    assert "No face found" in page
    assert "Several faces" in page


def test_the_photo_list_filters_by_reason_and_searches_names(admin, photos):
    by_reason = admin.get(PHOTOS, {"rejection_reason__exact": "no_face"}).content.decode()
    by_name = admin.get(PHOTOS, {"q": "jackie"}).content.decode()

    assert rows(by_reason, photos) == {"no_face"}
    assert rows(by_name, photos) == {"indexed", "no_face", "several"}


def test_photos_are_not_added_here(admin):
    assert admin.get(f"{PHOTOS}add/").status_code == 403


def test_a_photo_page_is_read_only(admin, photos):
    photo = photos["indexed"]
    url = f"{PHOTOS}{photo.pk}/change/"

    assert admin.get(url).status_code == 200
    assert admin.post(url, {}).status_code == 403


def test_removing_and_reindexing_a_photo_by_action(admin, photos):
    photo = photos["indexed"]
    selected = {"_selected_action": [photo.pk]}

    admin.post(PHOTOS, {"action": "remove_face", **selected})

    photo.refresh_from_db()
    assert (photo.state, photo.face_id) == (FacePhoto.State.REMOVED, "")
    assert not StoredFace.objects.exists()

    admin.post(PHOTOS, {"action": "reindex", **selected})

    photo.refresh_from_db()
    assert photo.state == FacePhoto.State.INDEXED
    assert StoredFace.objects.filter(face_id=photo.face_id).exists()


def test_reindexing_a_rejected_photo_keeps_its_reason(admin, photos):
    photo = photos["several"]
    admin.post(PHOTOS, {"action": "reindex", "_selected_action": [photo.pk]})
    photo.refresh_from_db()
    assert (photo.state, photo.rejection_reason) == (FacePhoto.State.REJECTED, "several_faces")


def test_deleting_photos_removes_faces_and_files(admin, photos):
    selected = [photos["indexed"].pk, photos["no_face"].pk]

    response = admin.post(
        PHOTOS, {"action": "delete_selected", "_selected_action": selected, "post": "yes"}
    )

    assert response.status_code == 302
    assert list(FacePhoto.objects.values_list("pk", flat=True)) == [photos["several"].pk]
    assert not StoredFace.objects.exists()
    for name in ("indexed", "no_face"):
        image = photos[name].image
        assert not image.storage.exists(image.name)


def test_photos_of_an_older_face_model_show_as_needing_a_reindex(admin, photos):
    FacePhoto.objects.filter(pk=photos["indexed"].pk).update(face_model="dlib-resnet-v1")

    page = admin.get(PHOTOS, {"needs_reindex": "yes"}).content.decode()
    assert rows(page, photos) == {"indexed"}
    person_page = admin.get(
        f"/admin/accounts/employee/{photos['indexed'].person_id}/change/"
    ).content.decode()
    assert "Needs re-index" in person_page and 'alt="True"' in person_page

    admin.post(
        PHOTOS, {"action": "reindex", "_selected_action": [photos["indexed"].pk]}, follow=True
    )
    assert rows(admin.get(PHOTOS, {"needs_reindex": "yes"}).content.decode(), photos) == set()
