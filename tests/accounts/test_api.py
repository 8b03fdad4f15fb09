"""The people API over HTTP: who may do what, and employees and visitors."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from rest_framework.test import APIClient

from accounts.models import Employee, FacePhoto, Person, StoredFace, Visitor
from accounts.roles import Role
from recognition.models import Verification
from tests.answers import REFUSED
from tests.factories import make_employee, make_visitor, photo_url, post_photo, stored
from tests.uploads import media_files, upload
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)

EMPLOYEES = "/api/v1/employees/"
VISITORS = "/api/v1/visitors/"
FACE = "Jackie_Chan"  # recognised well by the local engine (see tests/recognition/test_api.py)


def reads(employee, visitor, employee_photo, visitor_photo) -> list[str]:
    return [
        EMPLOYEES,
        f"{EMPLOYEES}{employee.pk}/",
        photo_url(employee),
        photo_url(employee, employee_photo),
        VISITORS,
        f"{VISITORS}{visitor.pk}/",
        photo_url(visitor),
        photo_url(visitor, visitor_photo),
    ]


def writes(kind: str, person, photo, jpeg: bytes) -> list[tuple[str, str, dict]]:
    """(method, url, data) of every write on employees or visitors."""
    base = EMPLOYEES if kind == "employee" else VISITORS
    if kind == "employee":
        new = {"name": "New Person", "staff_number": "E-999"}
        replacement = {"name": "Replaced", "staff_number": "E-998"}
    else:
        new = {"name": "New Visitor"}
        replacement = {"name": "Replaced", "company": "Acme"}
    return [
        ("post", base, new),
        ("patch", f"{base}{person.pk}/", {"name": "Renamed"}),
        ("put", f"{base}{person.pk}/", replacement),
        ("delete", f"{base}{person.pk}/", {}),
        ("post", photo_url(person), {"image": upload(jpeg)}),
        ("delete", photo_url(person, photo), {}),
    ]


def snapshot() -> tuple:
    """Everything a write could change."""
    return (
        list(Person.objects.values_list("pk", "name", "updated_at")),
        list(FacePhoto.objects.values_list("pk", "state")),
        StoredFace.objects.count(),
        media_files(),
    )


# --- who may do what ------------------------------------------------------------------------------
@pytest.mark.parametrize("who", REFUSED)
def test_without_a_role_nothing_is_read_or_changed(api_as, registry, jpeg, who):
    client, before = (APIClient() if who == "anonymous" else api_as(None)), snapshot()
    employee, visitor, employee_photo, visitor_photo = registry
    requests = [("get", url, {}) for url in reads(*registry)]
    requests += writes("employee", employee, employee_photo, jpeg)
    requests += writes("visitor", visitor, visitor_photo, jpeg)
    status, body = REFUSED[who]

    for method, url, data in requests:
        response = getattr(client, method)(url, data, format="multipart")
        assert (response.status_code, response.json()) == (status, body), (method, url)
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.API_CLIENT, Role.FRONT_DESK])
def test_api_clients_and_front_desk_read_everybody(api_as, registry, role):
    client = api_as(role)
    for url in reads(*registry):
        assert client.get(url).status_code == 200, url


def test_an_api_client_may_not_change_people(api_as, registry, jpeg):
    client, before = api_as(Role.API_CLIENT), snapshot()
    employee, visitor, employee_photo, visitor_photo = registry
    requests = writes("employee", employee, employee_photo, jpeg)
    requests += writes("visitor", visitor, visitor_photo, jpeg)

    for method, url, data in requests:
        response = getattr(client, method)(url, data, format="multipart")
        assert response.status_code == 403, (method, url)
        assert response.json()["code"] == "permission_denied"
    assert snapshot() == before


def test_the_front_desk_may_not_change_employees(api_as, registry, jpeg):
    client, before = api_as(Role.FRONT_DESK), snapshot()
    employee, _, employee_photo, _ = registry

    for method, url, data in writes("employee", employee, employee_photo, jpeg):
        response = getattr(client, method)(url, data, format="multipart")
        assert response.status_code == 403, (method, url)
    assert snapshot() == before


def run_every_write(client: APIClient, kind: str, person, photo, jpeg: bytes) -> None:
    """Each write on `kind` in turn, asserting it succeeds."""
    method_status = {"post": 201, "patch": 200, "put": 200, "delete": 204}
    create, patch, put, delete, photo_post, photo_delete = writes(kind, person, photo, jpeg)
    for method, url, data in (create, patch, put, photo_post, photo_delete, delete):
        response = getattr(client, method)(url, data, format="multipart")
        assert response.status_code == method_status[method], (method, url, response.content)


def test_the_front_desk_manages_visitors_and_their_photos(api_as, registry, jpeg):
    _, visitor, _, visitor_photo = registry

    run_every_write(api_as(Role.FRONT_DESK), "visitor", visitor, visitor_photo, jpeg)

    assert list(Visitor.objects.values_list("name", flat=True)) == ["New Visitor"]
    assert not FacePhoto.objects.filter(person__kind=Person.Kind.VISITOR).exists()


@pytest.mark.parametrize("admin", ["superuser", "Admins group"])
def test_admins_may_do_everything(api_as, admin_api, registry, jpeg, admin):
    client = admin_api if admin == "superuser" else api_as(Role.ADMIN)
    employee, visitor, employee_photo, visitor_photo = registry

    for url in reads(*registry):
        assert client.get(url).status_code == 200, url
    run_every_write(client, "visitor", visitor, visitor_photo, jpeg)
    run_every_write(client, "employee", employee, employee_photo, jpeg)

    assert list(Person.objects.values_list("name", flat=True)) == ["New Person", "New Visitor"]


def test_session_authentication_works_too(user_with_role, registry):
    client = APIClient()
    user_with_role(Role.FRONT_DESK, username="desk")
    assert client.login(request=HttpRequest(), username="desk", password="pw-12345678")

    assert client.get(EMPLOYEES).status_code == 200
    response = client.post(VISITORS, {"name": "Walk In"}, format="json")
    assert response.status_code == 201


# --- employees ----------------------------------------------------------------------------------
def test_creating_an_employee_with_consent_indexes_the_photos_sent_next(admin_api, jpeg):
    response = admin_api.post(
        EMPLOYEES,
        {
            "name": "Jackie Chan",
            "staff_number": "E-7",
            "email": "jackie@example.com",
            "department": "Stunts",
            "consent_recorded_by": "HR (signed form)",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "employee"
    assert (body["staff_number"], body["active"], body["denied"]) == ("E-7", True, False)
    assert body["consent_recorded_by"] == "HR (signed form)"
    assert body["consent_recorded_at"] is not None
    assert body["photos"] == []

    photo = post_photo(admin_api, Employee.objects.get(pk=body["id"]), jpeg).json()
    assert (photo["state"], photo["rejection_reason"]) == ("indexed", "")


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"name", "staff_number"}),
        ({"name": "", "staff_number": "E-1"}, {"name"}),
        ({"name": "Ada", "staff_number": "E-100"}, {"staff_number"}),  # taken
        ({"name": "Ada", "staff_number": "E-2", "email": "not-an-email"}, {"email"}),
        ({"name": "Ada", "staff_number": "E-2", "active": "perhaps"}, {"active"}),
    ],
)
def test_invalid_employees_are_400_naming_the_fields(admin_api, payload, errors):
    make_employee("Existing", staff_number="E-100")

    response = admin_api.post(EMPLOYEES, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert (body["detail"], body["code"]) == ("Invalid input.", "invalid")
    assert set(body["errors"]) == errors
    assert Employee.objects.count() == 1


def test_employees_are_searched_by_name_number_department_and_email(api_as):
    make_employee("Ada Lovelace", staff_number="E-1", department="Engines")
    make_employee("Grace Hopper", staff_number="N-2", email="grace@navy.example")
    make_employee("Alan Turing", staff_number="E-3", department="Codes")
    client = api_as(Role.API_CLIENT)

    def names(search: str) -> list[str]:
        return [
            item["name"] for item in client.get(EMPLOYEES, {"search": search}).json()["results"]
        ]

    assert names("") == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert names("lovelace") == ["Ada Lovelace"]
    assert names("N-2") == ["Grace Hopper"]
    assert names("navy") == ["Grace Hopper"]
    assert names("codes") == ["Alan Turing"]
    assert names("nobody") == []


def test_updating_an_employee(admin_api):
    employee = make_employee("Ada Lovelace", staff_number="E-1")
    make_employee("Grace Hopper", staff_number="E-2")
    url = f"{EMPLOYEES}{employee.pk}/"

    renamed = admin_api.patch(url, {"department": "Engines", "active": False}, format="json")
    taken = admin_api.patch(url, {"staff_number": "E-2"}, format="json")

    assert renamed.status_code == 200
    assert (renamed.json()["department"], renamed.json()["active"]) == ("Engines", False)
    assert taken.status_code == 400 and list(taken.json()["errors"]) == ["staff_number"]
    employee.refresh_from_db()
    assert (employee.department, employee.active, employee.staff_number) == (
        "Engines",
        False,
        "E-1",
    )


def test_recording_consent_indexes_waiting_photos_and_withdrawing_removes_faces(admin_api, jpeg):
    employee = make_employee("Jackie Chan", consent=False)
    waiting = post_photo(admin_api, employee, jpeg).json()
    assert (waiting["state"], waiting["rejection_reason"]) == ("rejected", "no_consent")
    url = f"{EMPLOYEES}{employee.pk}/"

    given = admin_api.patch(url, {"consent_recorded_by": "HR"}, format="json").json()

    assert given["consent_recorded_at"] is not None
    [photo] = given["photos"]
    assert (photo["state"], photo["rejection_reason"]) == ("indexed", "")
    assert StoredFace.objects.filter(face_id=photo["face_id"]).exists()

    withdrawn = admin_api.patch(url, {"consent_recorded_by": ""}, format="json").json()

    assert withdrawn["consent_recorded_at"] is None
    assert [photo["state"] for photo in withdrawn["photos"]] == ["removed"]
    assert not StoredFace.objects.exists()
    assert stored(FacePhoto.objects.get())  # the photo stays; only its face left the collection


def test_deleting_an_employee_erases_them_but_the_log_keeps_the_name(admin_api, registry, faces):
    employee, visitor, employee_photo, _ = registry
    verified = admin_api.post(
        "/api/v1/verifications/", {"image": upload(faces.of(FACE)[3].read_bytes())}
    ).json()
    assert verified["person"]["id"] == employee.pk

    response = admin_api.delete(f"{EMPLOYEES}{employee.pk}/")

    assert response.status_code == 204
    assert not Person.objects.filter(pk=employee.pk).exists()
    assert not FacePhoto.objects.filter(pk=employee_photo.pk).exists()
    assert not stored(employee_photo)
    assert not StoredFace.objects.filter(face_id=employee_photo.face_id).exists()
    assert StoredFace.objects.count() == 1  # the visitor's face stays
    verification = Verification.objects.get(pk=verified["id"])
    assert (verification.person, verification.person_name) == (None, "Jackie Chan")
    assert visitor.visits.get().host is None  # the visit stays, without its host
    assert admin_api.get(f"{EMPLOYEES}{employee.pk}/").status_code == 404


# --- visitors -----------------------------------------------------------------------------------
def test_the_front_desk_registers_a_visitor(api_as):
    payload = {"name": "Walk In", "company": "Acme", "email": "walk@example.com"}

    response = api_as(Role.FRONT_DESK).post(VISITORS, payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["company"], body["email"]) == ("visitor", "Acme", payload["email"])
    assert body["consent_recorded_at"] is None
    assert not Visit.objects.exists()  # visits are planned at /api/v1/visits/


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"name"}),
        ({"name": "W" * 201}, {"name"}),
        ({"name": "Walk In", "email": "not an address"}, {"email"}),
    ],
    ids=["no name", "name too long", "bad email"],
)
def test_invalid_visitors_are_400_naming_the_fields(api_as, payload, errors):
    response = api_as(Role.FRONT_DESK).post(VISITORS, payload, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == errors
    assert not Visitor.objects.exists()


def test_visitors_are_searched_by_name_and_company(api_as):
    make_visitor("Walk In", company="Acme")
    make_visitor("Courier", company="Parcels Ltd")
    client = api_as(Role.FRONT_DESK)

    def names(search: str) -> list[str]:
        return [item["name"] for item in client.get(VISITORS, {"search": search}).json()["results"]]

    assert names("acme") == ["Walk In"]
    assert names("cour") == ["Courier"]
    assert names("") == ["Courier", "Walk In"]


def test_a_multipart_put_keeps_the_yes_and_no_it_does_not_send(admin_api):
    employee = make_employee("Ada Lovelace", staff_number="E-1", denied=True, active=False)
    url = f"{EMPLOYEES}{employee.pk}/"

    response = admin_api.put(url, {"name": "Ada King", "staff_number": "E-1"}, format="multipart")

    assert response.status_code == 200
    employee.refresh_from_db()
    assert (employee.name, employee.denied, employee.active) == ("Ada King", True, False)
    cleared = admin_api.put(url, {"name": "Ada", "staff_number": "E-1", "denied": "false"})
    assert cleared.status_code == 200 and cleared.json()["denied"] is False
