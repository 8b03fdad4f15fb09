"""What the project answers before or around the views: NUL characters refused, Django's own
errors as JSON under /api/, and an unavailable engine behind an admin page as a clear 503 page
with nothing changed."""

import pytest

from accounts.models import Employee, FacePhoto
from accounts.roles import Role
from imagesift.middleware import NULL_DETAIL
from tests.factories import make_employee
from tests.rekognition_stubs import stubbed_rekognition
from tests.uploads import upload

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


# --- NUL characters ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/employees/?search=%00",
        "/api/v1/visitors/?search=a%00b",
        "/api/v1/verifications/?decision=%00",
        "/api/v1/images/?label=%00",
    ],
)
def test_a_nul_character_in_an_api_query_is_a_400_json(api_as, url):
    response = api_as(Role.ADMIN).get(url)

    assert response.status_code == 400
    assert response.json() == {"detail": NULL_DETAIL, "code": "null_character"}


def test_a_nul_character_in_an_admin_filter_or_form_is_a_400(admin):
    make_employee()

    listed = admin.get("/admin/recognition/verification/?decision__exact=%00")
    searched = admin.get("/admin/accounts/employee/?q=%00")
    posted = admin.post("/admin/accounts/employee/add/", {"name": "Ada\x00", "staff_number": "1"})

    assert [listed.status_code, searched.status_code, posted.status_code] == [400, 400, 400]
    assert Employee.objects.count() == 1


def test_a_nul_character_in_a_multipart_api_field_is_a_400_json(api_as, faces):
    response = api_as(Role.API_CLIENT).post(
        "/api/v1/images/",
        {"image": upload(faces.nonface()[0].read_bytes()), "min_confidence": "5\x00"},
        format="multipart",
    )

    assert (response.status_code, response.json()["code"]) == (400, "null_character")


# --- Django's own errors under /api/ ----------------------------------------------------------
def test_an_unknown_api_address_is_a_404_json(api_as):
    client = api_as(Role.ADMIN)

    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such address in the API.", "code": "not_found"}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_too_many_form_fields_under_api_is_a_400_json(api_as, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"field{number}": "x" for number in range(20)}

    response = api_as(Role.API_CLIENT).post("/api/v1/images/", fields, format="multipart")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_a_server_error_under_api_is_json_and_says_nothing_of_its_cause(rf):
    from imagesift.errors import server_error

    api, page = server_error(rf.get("/api/v1/employees/")), server_error(rf.get("/images/"))

    assert (api.status_code, api["Content-Type"]) == (500, "application/json")
    assert api.content == (
        b'{"detail": "Something went wrong on our side; it has been logged.", "code": "error"}'
    )
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
