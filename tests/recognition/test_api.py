"""The verification API and the API's OpenAPI document, over HTTP with real photos."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts import services as people
from accounts.collection import face_collection
from accounts.models import StoredFace
from accounts.roles import Role
from recognition.models import Verification
from tests.factories import enroll, make_employee, make_visitor, post_verification
from tests.uploads import (
    BAD_UPLOAD_IDS,
    BAD_UPLOADS,
    encode,
    media_files,
    upright_with_orientation,
)
from vision.images import prepare_image

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/verifications/"
# People whose fourth photo the local engine matches well above the threshold from their first
# three (similarity ~70-75; see the brief on the threshold still being tuned).
EMPLOYEE_FACE = "Jackie_Chan"  # the employee of conftest.py
VISITOR_FACE = "John_Schneider"
DENIED_FACE = "James_Wolfensohn"


def overlap(box: dict, other: dict) -> float:
    """Intersection over union of two face boxes."""
    width = min(box["left"] + box["width"], other["left"] + other["width"]) - max(
        box["left"], other["left"]
    )
    height = min(box["top"] + box["height"], other["top"] + other["height"]) - max(
        box["top"], other["top"]
    )
    shared = max(width, 0) * max(height, 0)
    return shared / (box["width"] * box["height"] + other["width"] * other["height"] - shared)


# --- who may do what ------------------------------------------------------------------------------
def test_anonymous_requests_get_401_json(probe):
    client = APIClient()
    verification = Verification.objects.create(channel="api", decision="unknown", engine="local")
    for response in (
        client.get(URL),
        post_verification(client, probe),
        client.get(f"{URL}{verification.pk}/"),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "detail": "Authentication credentials were not provided.",
            "code": "not_authenticated",
        }
        assert response["WWW-Authenticate"] == "Token"
    assert Verification.objects.count() == 1


def test_a_wrong_token_gets_401(probe):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = post_verification(client, probe)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_user_without_a_role_gets_403(api_as, probe):
    client = api_as(None)
    verification = Verification.objects.create(channel="api", decision="unknown", engine="local")
    for response in (
        client.get(URL),
        post_verification(client, probe),
        client.get(f"{URL}{verification.pk}/"),
    ):
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Your role does not allow this.",
            "code": "permission_denied",
        }
    assert Verification.objects.count() == 1


@pytest.mark.parametrize("role", [Role.API_CLIENT, Role.FRONT_DESK, Role.ADMIN])
def test_every_role_may_verify_and_read_the_log(api_as, probe, role):
    client = api_as(role)

    created = post_verification(client, probe)
    assert created.status_code == 201, created.json()
    listed = client.get(URL)
    detail = client.get(f"{URL}{created.json()['id']}/")

    assert listed.status_code == detail.status_code == 200
    assert [item["id"] for item in listed.json()["results"]] == [created.json()["id"]]
    assert detail.json() == created.json()


def test_a_superuser_is_an_admin_without_any_group(probe):
    client = APIClient()
    client.force_authenticate(User.objects.create_superuser("root", password="pw-12345678"))
    assert post_verification(client, probe).status_code == 201


def test_session_login_works_as_well_as_a_token(user_with_role, probe):
    client = APIClient()
    user_with_role(Role.FRONT_DESK, username="desk")
    assert client.login(username="desk", password="pw-12345678")

    response = post_verification(client, probe)

    assert response.status_code == 201
    assert response.json()["operator"] == "desk"
    assert client.get(URL).status_code == 200


def test_a_session_post_needs_the_csrf_token(user_with_role, probe):
    client = APIClient(enforce_csrf_checks=True)
    user_with_role(Role.FRONT_DESK, username="desk")
    client.login(username="desk", password="pw-12345678")

    response = post_verification(client, probe)

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Verification.objects.exists()


# --- verifying ----------------------------------------------------------------------------------
def test_an_enrolled_employee_is_recognised(front_desk, employee, probe):
    response = post_verification(front_desk, probe)

    assert response.status_code == 201
    body = response.json()
    assert body["decision"] == "employee"
    assert body["reason"] == ""
    assert body["similarity"] >= settings.IMAGESIFT_MATCH_THRESHOLD
    assert body["faces_seen"] == 1
    assert set(body["face_box"]) == {"left", "top", "width", "height"}
    assert 60 < body["face_box"]["width"] < 250
    assert body["person_name"] == "Jackie Chan"
    first_photo = employee.photos.order_by("pk").first()
    assert body["person"] == {
        "id": employee.pk,
        "kind": "employee",
        "name": "Jackie Chan",
        "photo_url": f"/photos/{first_photo.pk}/",
        "department": "Stunts",
        "company": None,
        "host": None,
        "visit_start": None,
        "visit_end": None,
    }
    assert body["channel"] == "api"
    assert body["engine"] == "local"
    assert body["has_probe_image"] is True
    staff = APIClient()
    staff.force_login(front_desk.user)  # the photo page is for signed-in staff
    assert staff.get(body["person"]["photo_url"]).status_code == 200


def test_a_stranger_is_unknown(api_as, employee, faces):
    response = post_verification(api_as(Role.API_CLIENT), faces.unknown()[0].read_bytes())

    assert response.status_code == 201
    body = response.json()
    assert body["decision"] == "unknown"
    assert body["reason"] == "no enrolled person matches"
    assert body["person"] is None and body["similarity"] is None
    assert body["faces_seen"] >= 1 and body["face_box"] is not None


def test_a_photo_without_a_face_is_no_face(api_as, employee, faces):
    response = post_verification(api_as(Role.API_CLIENT), faces.nonface()[0].read_bytes())

    assert response.status_code == 201
    body = response.json()
    assert body["decision"] == "no_face"
    assert body["faces_seen"] == 0
    assert body["face_box"] is None and body["person"] is None


def test_a_group_photo_reports_every_face_and_the_largest_box(api_as, faces):
    photo = faces.multi(1).read_bytes()  # two people
    largest = face_collection().detect_faces(prepare_image(photo))[0].box.as_dict()

    response = post_verification(api_as(Role.API_CLIENT), photo)

    body = response.json()
    assert body["faces_seen"] == 2
    assert overlap(body["face_box"], largest) > 0.6
    assert body["decision"] == "unknown"


def test_a_recognised_person_on_the_deny_list_is_denied(api_as, faces):
    person = make_employee("James Wolfensohn", denied=True, denied_reason="Badge revoked")
    enroll(person, *faces.of(DENIED_FACE)[:3])

    response = post_verification(api_as(Role.API_CLIENT), faces.of(DENIED_FACE)[3].read_bytes())

    body = response.json()
    assert (body["decision"], body["reason"]) == ("denied", "Badge revoked")
    assert body["person"]["id"] == person.pk


def test_a_visitor_comes_with_host_and_visit_window(front_desk, faces):
    host = make_employee("Hedy Lamarr")
    visitor = make_visitor("John Schneider", host=host, company="Acme")
    enroll(visitor, *faces.of(VISITOR_FACE)[:3])

    body = post_verification(front_desk, faces.of(VISITOR_FACE)[3].read_bytes()).json()

    assert body["decision"] == "visitor"
    person = body["person"]
    assert (person["id"], person["kind"], person["company"]) == (visitor.pk, "visitor", "Acme")
    assert person["host"] == {"id": host.pk, "name": "Hedy Lamarr"}
    assert person["visit_start"] == visitor.visit_start.isoformat()
    assert person["visit_end"] == visitor.visit_end.isoformat()
    assert person["department"] is None


def test_a_visitor_outside_the_window_is_refused_with_the_reason(front_desk, faces):
    visitor = make_visitor("John Schneider", starts_in=timedelta(days=1))
    enroll(visitor, *faces.of(VISITOR_FACE)[:3])

    body = post_verification(front_desk, faces.of(VISITOR_FACE)[3].read_bytes()).json()

    assert body["decision"] == "visitor_outside_window"
    assert body["reason"] == "the visit window has not started yet"


def test_every_verification_is_audited_with_operator_and_channel(front_desk, employee, probe):
    via_api = post_verification(front_desk, probe).json()
    via_page = post_verification(front_desk, probe, channel="ui").json()

    rows = {row.pk: row for row in Verification.objects.all()}
    assert rows[via_api["id"]].channel == "api"
    assert rows[via_page["id"]].channel == "ui"
    for row in rows.values():
        assert row.operator == front_desk.user
        assert row.operator_name == front_desk.user.username == via_api["operator"]
        assert row.person_id == employee.pk and row.decision == "employee"
        assert row.probe_image.name in media_files()


def test_channel_cli_is_not_for_the_api(front_desk, probe):
    response = post_verification(front_desk, probe, channel="cli")
    assert response.status_code == 400
    assert "channel" in response.json()["errors"]
    assert not Verification.objects.exists()


def test_a_missing_image_field_is_400_naming_the_field(front_desk):
    response = front_desk.post(URL, {"channel": "api"}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert (body["detail"], body["code"]) == ("Invalid input.", "invalid")
    assert body["errors"] == {"image": ["No file was submitted."]}
    assert not Verification.objects.exists()


def test_json_instead_of_multipart_is_415(front_desk):
    response = front_desk.post(URL, {"image": "aGVsbG8="}, format="json")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_exif_orientation_is_honoured(front_desk, employee, probe):
    """A phone photo stored sideways with an orientation tag is recognised, box upright."""
    upright = Image.open(io.BytesIO(probe)).convert("RGB")
    turned = upright_with_orientation(upright, 6)
    assert Image.open(io.BytesIO(turned)).size == upright.size[::-1]  # stored sideways

    sideways = post_verification(front_desk, turned).json()
    straight = post_verification(front_desk, encode(upright, quality=95)).json()

    assert sideways["decision"] == "employee"
    assert sideways["person"]["id"] == employee.pk
    assert overlap(sideways["face_box"], straight["face_box"]) > 0.8


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "build", "status", "codes"), BAD_UPLOADS, ids=BAD_UPLOAD_IDS)
def test_bad_uploads_are_refused_and_nothing_is_written(
    front_desk, employee, probe, name, build, status, codes
):
    files_before, faces_before = media_files(), StoredFace.objects.count()

    response = post_verification(front_desk, build(probe))

    assert response.status_code == status
    body = response.json()
    assert body["code"] in codes
    assert body["detail"].endswith(".") and len(body["detail"]) > 15
    assert not Verification.objects.exists()
    assert media_files() == files_before
    assert StoredFace.objects.count() == faces_before


def test_a_file_over_the_size_limit_is_413(settings, front_desk, probe):
    settings.IMAGESIFT_MAX_UPLOAD_MB = 0.005
    files_before = media_files()

    response = post_verification(front_desk, probe)

    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The file is {len(probe) / 1024 / 1024:.1f} MB; the limit is 0.005 MB.",
        "code": "file_too_large",
    }
    assert not Verification.objects.exists()
    assert media_files() == files_before


# --- reading the log ----------------------------------------------------------------------------
def log(count: int, **fields) -> list[Verification]:
    """Audit rows written straight to the table, oldest first, one minute apart."""
    start = timezone.now() - timedelta(days=1)
    fields = {"channel": "api", "decision": "unknown", "engine": "local"} | fields
    return [
        Verification.objects.create(created_at=start + timedelta(minutes=number), **fields)
        for number in range(count)
    ]


def test_the_log_is_paginated_newest_first(api_as):
    rows = log(settings.REST_FRAMEWORK["PAGE_SIZE"] + 3)
    client = api_as(Role.API_CLIENT)

    first = client.get(URL).json()
    second = client.get(first["next"]).json()

    assert first["count"] == len(rows)
    assert first["previous"] is None
    assert first["results"][0]["id"] == rows[-1].pk
    assert [item["id"] for item in second["results"]] == [row.pk for row in rows[2::-1]]
    assert second["next"] is None


def test_the_log_filters_by_decision_person_channel_and_time(api_as):
    person = make_employee("Ada Lovelace")
    older = log(2, decision="employee", person=person, person_name=person.name)
    newer = log(2, decision="no_face", channel="ui")
    Verification.objects.filter(pk__in=[row.pk for row in newer]).update(created_at=timezone.now())
    client = api_as(Role.API_CLIENT)

    def ids(**filters) -> set[int]:
        response = client.get(URL, filters)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["results"]}

    assert ids(decision="employee") == {row.pk for row in older}
    assert ids(person=person.pk) == {row.pk for row in older}
    assert ids(channel="ui") == {row.pk for row in newer}
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert ids(since=since) == {row.pk for row in newer}
    assert ids(until=since) == {row.pk for row in older}
    assert ids(decision="no_face", since=since) == {row.pk for row in newer}
    assert ids(decision="employee", since=since) == set()


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({"person": "ada"}, "person"),
        ({"since": "yesterday"}, "since"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_a_bad_filter_is_400_naming_it(api_as, filters, field):
    response = api_as(Role.API_CLIENT).get(URL, filters)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]


def test_a_missing_verification_is_404_json(api_as):
    response = api_as(Role.API_CLIENT).get(f"{URL}999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_log_keeps_the_name_of_an_erased_person(front_desk, employee, probe):
    verification_id = post_verification(front_desk, probe).json()["id"]

    people.person_erase(person=employee)

    body = front_desk.get(f"{URL}{verification_id}/").json()
    assert body["person"] is None
    assert body["person_name"] == "Jackie Chan"
    assert body["decision"] == "employee"


# --- the API's description ------------------------------------------------------------------------
def test_the_schema_is_a_valid_openapi_3_document(api_as):
    response = api_as(Role.API_CLIENT).get("/api/v1/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "ImageSift API"
    paths = schema["paths"]
    assert {"post", "get"} <= set(paths[URL])
    request = paths[URL]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    component = schema["components"]["schemas"][request["$ref"].rsplit("/", 1)[-1]]
    assert component["required"] == ["image"]
    assert component["properties"]["image"]["format"] == "binary"
    for operation in (paths[URL]["post"], paths["/api/v1/employees/{person_id}/photos/"]["post"]):
        for status in ("400", "413", "415"):
            error = operation["responses"][status]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}
    assert {"detail", "code"} <= set(schema["components"]["schemas"]["Error"]["required"])
    assert "/api/v1/visitors/{id}/" in paths


def test_the_api_description_is_for_role_holders_only(api_as):
    """The schema answers errors as JSON when asked to; the Swagger page is HTML either way."""
    without_role = api_as(None)
    for url in ("/api/v1/schema/", "/api/v1/docs/"):
        assert APIClient().get(url).status_code == 401, url
        assert without_role.get(url).status_code == 403, url

    anonymous = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert anonymous.json()["code"] == "not_authenticated"


def test_schema_generation_has_no_warnings(tmp_path):
    """The same check as `manage.py spectacular --validate --fail-on-warn`."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "api.yaml")
    assert (tmp_path / "api.yaml").stat().st_size > 1000


def test_swagger_ui_is_served_without_a_cdn(api_as):
    response = api_as(Role.API_CLIENT).get("/api/v1/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/schema/" in page
    assert "cdn." not in page and "unpkg" not in page
    assert (
        f"{settings.STATIC_URL}drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    )
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
