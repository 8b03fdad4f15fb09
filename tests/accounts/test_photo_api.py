"""The people API's photos over HTTP: enrolment photos uploaded, indexed, read and deleted, and
bad uploads refused with nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import FacePhoto, StoredFace
from accounts.roles import Role
from tests.factories import enroll, make_employee, make_visitor, photo_url, post_photo, stored
from tests.uploads import BAD_UPLOAD_IDS, BAD_UPLOADS, media_files, strip_png

pytestmark = pytest.mark.django_db(transaction=True)

EMPLOYEES = "/api/v1/employees/"
VISITORS = "/api/v1/visitors/"
FACE = "Jackie_Chan"


def test_an_uploaded_photo_is_stored_and_indexed(admin_api, jpeg):
    employee = make_employee("Jackie Chan")

    response = post_photo(admin_api, employee, jpeg)

    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["rejection_reason"]) == ("indexed", "")
    assert body["face_id"] and body["indexed_at"]
    assert body["face_box"]["width"] > 60
    assert body["image_url"] == f"/photos/{body['id']}/"
    photo = FacePhoto.objects.get(pk=body["id"])
    assert photo.person_id == employee.pk and stored(photo)
    assert photo.image.read() == jpeg
    assert StoredFace.objects.filter(face_id=body["face_id"], person_key=str(employee.pk)).exists()
    listed = admin_api.get(photo_url(employee)).json()
    assert [item["id"] for item in listed] == [body["id"]]


def test_a_photo_unlike_the_persons_others_is_indexed_with_advice(admin_api, faces):
    employee = make_employee("Jackie Chan")
    enroll(employee, *faces.of(FACE)[:2])
    stranger = next(name for name in faces.people_with(2) if name != FACE)

    body = post_photo(admin_api, employee, faces.of(stranger)[0].read_bytes()).json()

    assert (body["state"], body["advice"], body["advice_person"]) == (
        "indexed",
        "unlike_own_photos",
        None,
    )
    assert body["advice_text"].startswith("Does not match this person's other photos")
    assert body["advice_similarity"] is None or body["advice_similarity"] < 42


@pytest.mark.parametrize(
    ("picture", "reason"), [("nonface", "no_face"), ("multi", "several_faces")]
)
def test_a_photo_without_exactly_one_face_is_kept_as_rejected_with_the_reason(
    api_as, faces, picture, reason
):
    visitor = make_visitor()
    path = faces.nonface()[0] if picture == "nonface" else faces.multi(1)

    response = post_photo(api_as(Role.FRONT_DESK), visitor, path.read_bytes())

    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["rejection_reason"], body["face_id"]) == ("rejected", reason, "")
    assert not StoredFace.objects.exists()


def test_deleting_a_photo_removes_its_face_file_and_row(admin_api, registry):
    employee, _, photo, _ = registry
    assert StoredFace.objects.filter(face_id=photo.face_id).exists()

    response = admin_api.delete(photo_url(employee, photo))

    assert response.status_code == 204
    assert not FacePhoto.objects.filter(pk=photo.pk).exists()
    assert not StoredFace.objects.filter(face_id=photo.face_id).exists()
    assert not stored(photo)
    assert admin_api.get(photo_url(employee, photo)).status_code == 404


def test_photos_are_only_reached_through_their_own_person(admin_api, registry):
    employee, visitor, employee_photo, visitor_photo = registry

    for url in (
        photo_url(employee, visitor_photo),
        photo_url(visitor, employee_photo),
        f"{VISITORS}{employee.pk}/photos/",
        f"{EMPLOYEES}{visitor.pk}/",
    ):
        response = admin_api.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    response = admin_api.delete(photo_url(employee, visitor_photo))
    assert response.status_code == 404
    assert FacePhoto.objects.count() == 2


@pytest.mark.parametrize(("name", "build", "status", "codes"), BAD_UPLOADS, ids=BAD_UPLOAD_IDS)
def test_bad_photo_uploads_store_nothing(admin_api, jpeg, name, build, status, codes):
    employee = make_employee()
    files_before = media_files()

    response = post_photo(admin_api, employee, build(jpeg))

    assert response.status_code == status
    body = response.json()
    assert body["code"] in codes
    assert body["detail"].endswith(".") and len(body["detail"]) > 15
    assert not FacePhoto.objects.exists()
    assert not StoredFace.objects.exists()
    assert media_files() == files_before


def test_a_photo_over_the_size_limit_is_413(settings, admin_api, jpeg):
    settings.IMAGESIFT_MAX_UPLOAD_MB = 0.005
    employee = make_employee()
    files_before = media_files()

    response = post_photo(admin_api, employee, jpeg)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not FacePhoto.objects.exists()
    assert media_files() == files_before


def test_a_photo_upload_without_the_file_is_400(admin_api):
    employee = make_employee()
    response = admin_api.post(photo_url(employee), {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {"image": ["No file was submitted."]}


def test_media_root_is_the_test_directory():
    """Guards the file assertions above: they look in the test run's own media folder."""
    assert Path(settings.MEDIA_ROOT).name.startswith("imagesift-test-media-")


def test_enrolment_photos_need_a_staff_role(client, client_as, api_as, faces):
    name = faces.people_with(4)[0]
    (photo,) = enroll(make_employee(name), faces.of(name)[0])
    url = f"/photos/{photo.pk}/"

    assert client.get(url).status_code == 401
    assert client_as(None).get(url).status_code == 403
    for client_with_role in (client_as(Role.FRONT_DESK), api_as(Role.API_CLIENT)):
        response = client_with_role.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == faces.of(name)[0].read_bytes()
        assert response["Cache-Control"] == "private, max-age=300"
    assert client_as(Role.ADMIN).get(f"/photos/{photo.pk + 1000}/").status_code == 404


def test_an_image_of_extreme_shape_is_kept_as_a_photo_without_a_face(admin_api):
    employee = make_employee()

    response = post_photo(admin_api, employee, strip_png())

    assert response.status_code == 201
    assert (response.json()["state"], response.json()["rejection_reason"]) == (
        "rejected",
        "no_face",
    )


def test_a_photo_deleted_while_its_upload_is_answered_is_still_a_201(admin_api, jpeg):
    """Another request deletes the photo while this one indexes it: the upload was accepted,
    and is answered so (as stored), never with a 500; no face stays."""
    employee = make_employee()

    def delete_it(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "accounts_storedface"'):
            FacePhoto.objects.all().delete()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(delete_it):
        response = post_photo(admin_api, employee, jpeg)

    assert response.status_code == 201
    assert not FacePhoto.objects.exists() and not StoredFace.objects.exists()
