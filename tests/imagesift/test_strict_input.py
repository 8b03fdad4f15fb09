"""Nothing sent to the API is dropped in silence (core/api.py `KnownFieldsOnly`): every write of
the people, verification and visits APIs answers a field it does not take with a 400 naming it,
and writes nothing; the same request without it succeeds. Query-string filters refuse an unknown
parameter too, but leave the page (`page`, `page_size`, `cursor`) and `format` alone.

DELETEs are not listed: they take no body, and none is read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import FacePhoto, Visitor
from accounts.roles import Role
from recognition.models import Verification
from tests.factories import make_employee, make_visitor, verify
from tests.uploads import media_files, upload
from visits.invitations import invitation_token
from visits.models import Visit

pytestmark = pytest.mark.django_db

FACE = "Jackie_Chan"
EXTRA = "colour"
NOT_TAKEN = ["This endpoint does not take this field."]
# The apps a write could touch: people, photos, faces, verifications, visits, the outbox, jobs.
WRITABLE_APPS = ("accounts", "recognition", "visits", "notifications", "core")


@dataclass
class Write:
    method: str
    url: str
    data: dict = field(default_factory=dict)
    format: str = "json"
    anonymous: bool = False  # the invitation link needs no login

    def send(self, client: APIClient, **extra):
        data = {**self.data, **extra}
        return getattr(client, self.method)(self.url, data, format=self.format)


@dataclass
class World:
    """What the writes act on: a host, a visitor whose visit is under way, real photos."""

    host: object
    visitor: Visitor
    photo: bytes
    stranger: bytes

    def photo_upload(self) -> dict:
        return {"image": upload(self.photo)}


@pytest.fixture
def world(faces) -> World:
    host = make_employee("Hedy Lamarr", email="hedy@example.com")
    return World(
        host=host,
        visitor=make_visitor("John Schneider", host=host, email="john@example.com"),
        photo=faces.of(FACE)[0].read_bytes(),
        stranger=faces.unknown()[0].read_bytes(),
    )


def later(hours: int = 26) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def _visiting(world: World, **fields) -> Visit:
    return make_visitor("Jo Visitor", host=world.host, **fields).visits.get()


def _admitted_visitor(world: World) -> Verification:
    """An answer that admitted the visitor, whose visit can be checked in."""
    return Verification.objects.create(
        channel="api",
        decision="visitor",
        engine="local",
        person=world.visitor,
        person_name=world.visitor.name,
        visit=world.visitor.visits.get(),
    )


# Every write of the three APIs (but DELETE), as a valid request: (name, build, success status).
WRITES: list[tuple[str, Callable[[World], Write], int]] = [
    # accounts
    (
        "POST /employees/",
        lambda w: Write("post", "/api/v1/employees/", {"name": "Ada", "staff_number": "E-9"}),
        201,
    ),
    (
        "PUT /employees/{id}/",
        lambda w: Write(
            "put", f"/api/v1/employees/{w.host.pk}/", {"name": "Hedy", "staff_number": "E-8"}
        ),
        200,
    ),
    (
        "PATCH /employees/{id}/",
        lambda w: Write("patch", f"/api/v1/employees/{w.host.pk}/", {"department": "R&D"}),
        200,
    ),
    (
        "POST /employees/{id}/photos/",
        lambda w: Write(
            "post", f"/api/v1/employees/{w.host.pk}/photos/", w.photo_upload(), "multipart"
        ),
        201,
    ),
    ("POST /visitors/", lambda w: Write("post", "/api/v1/visitors/", {"name": "Walk In"}), 201),
    (
        "PUT /visitors/{id}/",
        lambda w: Write("put", f"/api/v1/visitors/{w.visitor.pk}/", {"name": "John S"}),
        200,
    ),
    (
        "PATCH /visitors/{id}/",
        lambda w: Write("patch", f"/api/v1/visitors/{w.visitor.pk}/", {"company": "Acme"}),
        200,
    ),
    (
        "POST /visitors/{id}/photos/",
        lambda w: Write(
            "post", f"/api/v1/visitors/{w.visitor.pk}/photos/", w.photo_upload(), "multipart"
        ),
        201,
    ),
    # recognition
    (
        "POST /verifications/",
        lambda w: Write("post", "/api/v1/verifications/", w.photo_upload(), "multipart"),
        201,
    ),
    (
        "POST /verifications/{id}/feedback/",
        lambda w: Write(
            "post",
            f"/api/v1/verifications/{_admitted_visitor(w).pk}/feedback/",
            {"verdict": "correct", "note": "Right"},
        ),
        201,
    ),
    (
        "POST /verifications/{id}/check-in/",
        lambda w: Write("post", f"/api/v1/verifications/{_admitted_visitor(w).pk}/check-in/"),
        200,
    ),
    (
        "POST /verifications/{id}/walk-in/",
        lambda w: Write(
            "post",
            f"/api/v1/verifications/{verify(w.stranger).pk}/walk-in/",
            {"name": "Wanda", "host": w.host.pk, "until": later(2), "consent": True},
        ),
        201,
    ),
    (
        "POST /on-site/muster/",
        lambda w: Write("post", "/api/v1/on-site/muster/", {"action": "start"}),
        201,
    ),
    (
        "POST /calibration/measurements/",
        lambda w: Write("post", "/api/v1/calibration/measurements/"),
        202,
    ),
    # visits
    (
        "POST /visits/",
        lambda w: Write(
            "post",
            "/api/v1/visits/",
            {"visitor": w.visitor.pk, "starts_at": later(24), "ends_at": later(26)},
        ),
        201,
    ),
    (
        "PATCH /visits/{id}/",
        lambda w: Write(
            "patch", f"/api/v1/visits/{w.visitor.visits.get().pk}/", {"purpose": "Audit"}
        ),
        200,
    ),
    (
        "POST /visits/{id}/check-in/",
        lambda w: Write("post", f"/api/v1/visits/{w.visitor.visits.get().pk}/check-in/"),
        200,
    ),
    (
        "POST /visits/{id}/check-out/",
        lambda w: Write(
            "post", f"/api/v1/visits/{_visiting(w, status=Visit.Status.CHECKED_IN).pk}/check-out/"
        ),
        200,
    ),
    (
        "POST /visits/{id}/cancel/",
        lambda w: Write(
            "post", f"/api/v1/visits/{_visiting(w, starts_in=timedelta(days=1)).pk}/cancel/"
        ),
        200,
    ),
    (
        "POST /visits/{id}/invitation/",
        lambda w: Write(
            "post",
            f"/api/v1/visits/{_visiting(w, starts_in=timedelta(days=1), email='jo@example.com').pk}"
            "/invitation/",
        ),
        200,
    ),
    (
        "POST /invitations/{token}/enrolment/",
        lambda w: Write(
            "post",
            f"/api/v1/invitations/{invitation_token(w.visitor.visits.get())}/enrolment/",
            {"consent": "true", **w.photo_upload()},
            "multipart",
            anonymous=True,
        ),
        201,
    ),
]
WRITE_IDS = [name for name, _, _ in WRITES]


def snapshot() -> dict:
    """Every row of the apps a write could touch, and every stored file."""
    rows = {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in WRITABLE_APPS
    }
    return {"rows": rows, "files": media_files()}


def client_for(write: Write, admin_api: APIClient) -> APIClient:
    return APIClient() if write.anonymous else admin_api


@pytest.mark.parametrize(("name", "build", "status"), WRITES, ids=WRITE_IDS)
def test_a_field_the_endpoint_does_not_take_is_400_naming_it(admin_api, world, name, build, status):
    write = build(world)
    before = snapshot()

    response = write.send(client_for(write, admin_api), **{EXTRA: "red"})

    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["detail"], body["code"]) == ("Invalid input.", "invalid")
    assert body["errors"] == {EXTRA: NOT_TAKEN}
    assert snapshot() == before


@pytest.mark.parametrize(("name", "build", "status"), WRITES, ids=WRITE_IDS)
def test_the_same_write_without_it_succeeds(admin_api, world, name, build, status):
    write = build(world)

    response = write.send(client_for(write, admin_api))

    assert response.status_code == status, response.content


# --- the cases that used to pass in silence ----------------------------------------------------
def test_a_visitor_sent_with_a_photo_is_400_saying_where_photos_go(admin_api, world):
    before = snapshot()

    response = admin_api.post(
        "/api/v1/visitors/", {"name": "Walk In", **world.photo_upload()}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "image": [
            "Photos are not taken here: send each one, as `image`, to "
            "`POST /api/v1/visitors/{id}/photos/`."
        ]
    }
    assert snapshot() == before
    assert not Visitor.objects.filter(name="Walk In").exists()
    assert not FacePhoto.objects.exists()


def test_an_employee_sent_with_a_photo_is_told_where_their_photos_go(admin_api, world):
    response = admin_api.post(
        "/api/v1/employees/",
        {"name": "Ada", "staff_number": "E-9", **world.photo_upload()},
        format="multipart",
    )

    assert response.status_code == 400
    [message] = response.json()["errors"]["image"]
    assert "`POST /api/v1/employees/{id}/photos/`" in message


def test_fields_the_api_only_shows_are_not_taken_back(admin_api, world):
    """A person read and sent back as it was: `id`, `kind`, `photos`, … are the API's to say."""
    shown = admin_api.get(f"/api/v1/visitors/{world.visitor.pk}/").json()
    before = snapshot()

    response = admin_api.put(f"/api/v1/visitors/{world.visitor.pk}/", shown, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"id", "kind", "created_at", "photos"} <= set(errors)
    assert "name" not in errors
    assert snapshot() == before


def test_a_visit_status_is_not_changed_by_a_patch(admin_api, world):
    visit = world.visitor.visits.get()

    response = admin_api.patch(
        f"/api/v1/visits/{visit.pk}/", {"purpose": "x", "status": "checked_in"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"status": NOT_TAKEN}
    visit.refresh_from_db()
    assert (visit.status, visit.purpose) == ("expected", "")


def test_an_unknown_field_of_a_new_visitor_is_named_under_it(admin_api, world):
    response = admin_api.post(
        "/api/v1/visits/",
        {
            "new_visitor": {"name": "Jo", "nickname": "J"},
            "starts_at": later(24),
            "ends_at": later(26),
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "new_visitor": ["nickname: This endpoint does not take this field."]
    }
    assert not Visitor.objects.filter(name="Jo").exists()


def test_several_unknown_fields_are_all_named(admin_api):
    response = admin_api.post(
        "/api/v1/on-site/muster/", {"action": "start", "reason": "drill", "zone": "B"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": NOT_TAKEN, "zone": NOT_TAKEN}


# --- query-string filters ----------------------------------------------------------------------
LISTS = [
    "/api/v1/employees/",
    "/api/v1/visitors/",
    "/api/v1/verifications/",
    "/api/v1/visits/",
]


@pytest.mark.parametrize("url", LISTS)
def test_an_unknown_filter_is_400_naming_it(api_as, world, url):
    response = api_as(Role.ADMIN).get(url, {EXTRA: "red"})

    assert response.status_code == 400
    assert response.json()["errors"] == {EXTRA: NOT_TAKEN}


@pytest.mark.parametrize("url", LISTS)
def test_the_page_and_the_format_are_not_filters(api_as, world, url):
    client = api_as(Role.ADMIN)

    for query in ({"page": 1}, {"page_size": 10}, {"cursor": "abc"}, {"format": "json"}):
        response = client.get(url, query)
        assert response.status_code == 200, (query, response.content)
        assert "results" in response.json()
