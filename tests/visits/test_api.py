"""The visits API over HTTP (/api/v1/visits/): planning, listing, changing, checking in and out,
cancelling and inviting; what each role may do, a host seeing only the visits they host; the
check-in and check-out announced for real (SMTP, a signed webhook, MQTT); and the OpenAPI
document describing it all."""

from __future__ import annotations

import re
import socket
from datetime import date, datetime, time, timedelta

import pytest
import yaml
from django.contrib.auth.models import Group, User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from accounts.models import Employee, Visitor
from accounts.roles import Role
from notifications.events import DATA_SCHEMAS, Event
from tests.answers import REFUSED
from tests.factories import make_employee, make_visit, make_visitor
from visits import services
from visits.models import Visit

pytestmark = pytest.mark.django_db

VISITS = "/api/v1/visits/"
VISIT_FIELDS = {
    "id",
    "visitor",
    "host",
    "starts_at",
    "ends_at",
    "purpose",
    "status",
    "checked_in_at",
    "checked_in_by",
    "check_in_verification",
    "checked_out_at",
    "checked_out_by",
    "badge_number",
    "badge_url",
    "invited_at",
    "self_enrolled_at",
    "created_at",
    "created_by",
}
NO_EMPLOYEE = "No active employee has your email address: ask an admin."


def url(visit: Visit, action: str = "") -> str:
    return f"{VISITS}{visit.pk}/" + (f"{action}/" if action else "")


def window(starts_in: timedelta = timedelta(days=1), lasts: timedelta = timedelta(hours=2)):
    starts_at = timezone.now() + starts_in
    return {"starts_at": starts_at.isoformat(), "ends_at": (starts_at + lasts).isoformat()}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def errors(response) -> dict[str, list[str]]:
    """The field errors of a 400, in the API's error format."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["detail"], body["code"]) == ("Invalid input.", "invalid")
    return body["errors"]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.user = user
    return client


@pytest.fixture
def desk(api_as) -> APIClient:
    return api_as(Role.FRONT_DESK)


@pytest.fixture
def visit(visitor) -> Visit:
    """John's visit to Hedy, under way since an hour ago, not checked in."""
    return visitor.visits.get()


@pytest.fixture
def ada(db) -> Employee:
    return make_employee("Ada Lovelace", email="ada@example.com")


@pytest.fixture
def hosts_api(user_with_role, host) -> APIClient:
    """Hedy's own login: a host-only user whose email is Hedy's (in other letter case)."""
    user = user_with_role(Role.HOST, username="hedy")
    user.email = "Hedy@Example.com"
    user.save()
    return token_client(user)


# --- planning ----------------------------------------------------------------------------------
def test_a_visit_is_planned_for_a_registered_visitor(desk, host, visitor):
    planned = window()

    response = desk.post(
        VISITS, {"visitor": visitor.pk, "host": host.pk, "purpose": "Audit", **planned}
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == VISIT_FIELDS
    visit = Visit.objects.get(pk=body["id"])
    assert body["visitor"] == {
        "id": visitor.pk,
        "name": "John Schneider",
        "company": "Acme",
        "email": "john@example.com",
        "photo_url": None,
    }
    assert body["host"] == {"id": host.pk, "name": "Hedy Lamarr"}
    assert (body["status"], body["purpose"], body["created_by"]) == (
        "expected",
        "Audit",
        desk.user.username,
    )
    assert moment(body["starts_at"]) == moment(planned["starts_at"]) == visit.starts_at
    assert moment(body["ends_at"]) == visit.ends_at
    assert (body["badge_number"], body["badge_url"], body["checked_in_at"]) == ("", None, None)
    assert (body["checked_in_by"], body["checked_out_by"], body["invited_at"]) == ("", "", None)
    assert visitor.visits.count() == 2 and Visitor.objects.count() == 1


def test_a_visit_is_planned_with_a_new_visitor_registered_with_it(desk, host):
    response = desk.post(
        VISITS,
        {
            "new_visitor": {"name": "Jackie Chan", "email": "jackie@example.com", "company": "JC"},
            "host": host.pk,
            **window(),
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    visitor = Visitor.objects.get()
    assert (visitor.name, visitor.email, visitor.company) == (
        "Jackie Chan",
        "jackie@example.com",
        "JC",
    )
    assert response.json()["visitor"]["id"] == visitor.pk
    assert Visit.objects.get().visitor == visitor
    assert response.json()["status"] == "expected" and response.json()["invited_at"] is None


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda visitor: {}, id="neither"),
        pytest.param(
            lambda visitor: {"visitor": visitor.pk, "new_visitor": {"name": "Jo"}}, id="both"
        ),
    ],
)
def test_a_visit_names_exactly_one_visitor(desk, visitor, who):
    response = desk.post(VISITS, {**who(visitor), **window()}, format="json")

    assert errors(response) == {
        "visitor": ["Name a registered visitor, or send `new_visitor`: one of the two."]
    }
    assert Visitor.objects.count() == 1 and Visit.objects.count() == 1


@pytest.mark.parametrize("lasts", [timedelta(0), timedelta(hours=-1)], ids=["empty", "backwards"])
def test_a_visit_must_end_after_it_starts(desk, lasts):
    response = desk.post(
        VISITS, {"new_visitor": {"name": "Jo"}, **window(lasts=lasts)}, format="json"
    )

    assert errors(response) == {"ends_at": ["The visit must end after it starts."]}
    assert not Visitor.objects.exists() and not Visit.objects.exists()


def test_an_unknown_host_is_refused(desk, visitor):
    response = desk.post(VISITS, {"visitor": visitor.pk, "host": 987654, **window()})

    assert list(errors(response)) == ["host"]
    assert "987654" in errors(response)["host"][0]
    assert Visit.objects.count() == 1


def test_an_inactive_host_is_refused_and_the_new_visitor_is_not_kept(desk):
    gone = make_employee("Gone Away", active=False)

    response = desk.post(
        VISITS, {"new_visitor": {"name": "Jo"}, "host": gone.pk, **window()}, format="json"
    )

    assert errors(response) == {"host": ["Gone Away is no longer an active employee."]}
    assert not Visitor.objects.exists() and not Visit.objects.exists()  # one transaction


def test_inviting_a_visitor_without_email_writes_nothing(desk, host, smtp_inbox):
    response = desk.post(
        VISITS,
        {"new_visitor": {"name": "No Mail"}, "host": host.pk, "invite": True, **window()},
        format="json",
    )

    assert errors(response) == {"visitor": ["The visitor has no email address to invite."]}
    assert not Visitor.objects.exists() and not Visit.objects.exists()
    assert smtp_inbox == []


# --- listing -----------------------------------------------------------------------------------
@pytest.fixture
def several(visitor, host, ada) -> dict[str, Visit]:
    """John's visit under way (Hedy's), Jackie's next week (Ada's, cancelled), and John's
    last month (Hedy's, checked out)."""
    jackie = make_visitor("Jackie Chan", host=ada, starts_in=timedelta(days=7))
    cancelled = jackie.visits.get()
    Visit.objects.filter(pk=cancelled.pk).update(status=Visit.Status.CANCELLED)
    past = make_visit(
        visitor, starts_in=timedelta(days=-30), host=host, status=Visit.Status.CHECKED_OUT
    )
    return {"now": visitor.visits.get(status="expected"), "next week": cancelled, "past": past}


def test_the_list_is_latest_start_first_and_paginated(desk, several):
    response = desk.get(VISITS)

    assert ids(response) == [several[k].pk for k in ("next week", "now", "past")]
    assert response.json()["count"] == 3
    assert set(response.json()["results"][0]) == VISIT_FIELDS


def test_the_list_filters_by_status_host_and_visitor(desk, several, host, ada, visitor):
    assert ids(desk.get(VISITS, {"status": "cancelled"})) == [several["next week"].pk]
    assert ids(desk.get(VISITS, {"status": "checked_out"})) == [several["past"].pk]
    assert ids(desk.get(VISITS, {"status": "no_show"})) == []
    assert ids(desk.get(VISITS, {"host": host.pk})) == [several["now"].pk, several["past"].pk]
    assert ids(desk.get(VISITS, {"host": ada.pk})) == [several["next week"].pk]
    assert ids(desk.get(VISITS, {"visitor": visitor.pk})) == [
        several["now"].pk,
        several["past"].pk,
    ]
    both = desk.get(VISITS, {"visitor": visitor.pk, "status": "expected", "host": host.pk})
    assert ids(both) == [several["now"].pk]


def test_an_unknown_status_or_a_bad_day_is_400(desk, several):
    assert list(errors(desk.get(VISITS, {"status": "arrived"}))) == ["status"]
    assert list(errors(desk.get(VISITS, {"day": "next tuesday"}))) == ["day"]


def test_a_visit_over_midnight_is_listed_on_both_days(desk, visitor):
    day = timezone.localdate() + timedelta(days=10)
    overnight = services.visit_create(
        visitor=visitor, starts_at=at(day, 22), ends_at=at(day, 22) + timedelta(hours=4)
    )
    morning = services.visit_create(visitor=visitor, starts_at=at(day, 9), ends_at=at(day, 10))
    next_morning = services.visit_create(
        visitor=visitor,
        starts_at=at(day + timedelta(days=1), 9),
        ends_at=at(day + timedelta(days=1), 10),
    )

    def on(some_day: date) -> list[int]:
        return ids(desk.get(VISITS, {"day": some_day.isoformat()}))

    assert on(day) == [overnight.pk, morning.pk]
    assert on(day + timedelta(days=1)) == [next_morning.pk, overnight.pk]
    assert on(day - timedelta(days=1)) == on(day + timedelta(days=2)) == []
    assert on(timezone.localdate()) == [visitor.visits.earliest("starts_at").pk]


# --- one visit, and changing it -----------------------------------------------------------------
def test_a_visit_is_read_and_changed(desk, visit, ada):
    listed = desk.get(VISITS).json()["results"][0]
    assert desk.get(url(visit)).json() == listed
    new = window(starts_in=timedelta(days=2), lasts=timedelta(hours=3))

    response = desk.patch(
        url(visit),
        {"host": ada.pk, "purpose": "Board meeting", **new},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["host"] == {"id": ada.pk, "name": "Ada Lovelace"}
    assert (body["purpose"], body["status"]) == ("Board meeting", "expected")
    visit.refresh_from_db()
    assert (visit.host, visit.purpose, visit.status) == (ada, "Board meeting", "expected")
    assert (visit.starts_at, visit.ends_at) == (moment(new["starts_at"]), moment(new["ends_at"]))


def test_a_change_that_ends_a_visit_before_it_starts_is_refused(desk, visit):
    before = (visit.starts_at, visit.ends_at)
    earlier = (visit.starts_at - timedelta(minutes=5)).isoformat()

    response = desk.patch(url(visit), {"ends_at": earlier, "purpose": "x"}, format="json")

    assert errors(response) == {"ends_at": ["The visit must end after it starts."]}
    visit.refresh_from_db()
    assert (visit.starts_at, visit.ends_at, visit.purpose) == (*before, "")


@pytest.mark.parametrize(
    ("status", "words"),
    [(Visit.Status.CHECKED_OUT, "checked out"), (Visit.Status.CANCELLED, "cancelled")],
)
def test_a_finished_visit_cannot_be_changed(desk, host, status, words):
    visit = make_visitor("Jo", host=host, status=status).visits.get()

    response = desk.patch(url(visit), {"purpose": "Again"}, format="json")

    assert errors(response) == {"status": [f"A {words} visit cannot be changed."]}
    visit.refresh_from_db()
    assert (visit.status, visit.purpose) == (status, "")


def test_an_unknown_visit_is_404(desk, db):
    for response in (desk.get(f"{VISITS}999999/"), desk.post(f"{VISITS}999999/check-in/")):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# --- checking in and out by hand, cancelling, inviting ------------------------------------------
def test_the_desk_checks_a_visitor_in_then_out(desk, visit):
    checked_in = desk.post(url(visit, "check-in"))

    assert checked_in.status_code == 200, checked_in.json()
    body = checked_in.json()
    assert body["status"] == "checked_in"
    assert re.fullmatch(r"V\d{6}", body["badge_number"])
    assert body["badge_number"] == f"V{visit.pk:06d}"
    assert body["badge_url"] == f"/visits/{visit.pk}/badge/"
    assert (body["checked_in_by"], body["check_in_verification"]) == (desk.user.username, None)
    assert abs(moment(body["checked_in_at"]) - timezone.now()) < timedelta(minutes=1)
    visit.refresh_from_db()
    assert (visit.status, visit.checked_in_by) == ("checked_in", desk.user)

    again = desk.post(url(visit, "check-in"))
    assert errors(again) == {
        "status": ["Only an invited or expected visit can be checked in; this one is checked in."]
    }

    checked_out = desk.post(url(visit, "check-out"))
    assert checked_out.status_code == 200, checked_out.json()
    body = checked_out.json()
    assert (body["status"], body["checked_out_by"]) == ("checked_out", desk.user.username)
    assert body["checked_out_at"] and body["badge_number"] == f"V{visit.pk:06d}"
    visit.refresh_from_db()
    assert (visit.status, visit.checked_out_by) == ("checked_out", desk.user)


def test_a_cancelled_visit_is_not_checked_in(desk, host):
    visit = make_visitor("Jo", host=host, status=Visit.Status.CANCELLED).visits.get()

    response = desk.post(url(visit, "check-in"))

    assert errors(response) == {
        "status": ["Only an invited or expected visit can be checked in; this one is cancelled."]
    }
    visit.refresh_from_db()
    assert (visit.status, visit.badge_number, visit.checked_in_at) == ("cancelled", "", None)


def test_a_visit_whose_window_is_over_is_not_checked_in(desk, host):
    over = make_visitor("Late", host=host, starts_in=timedelta(hours=-5), lasts=timedelta(hours=2))
    visit = over.visits.get()

    response = desk.post(url(visit, "check-in"))

    assert errors(response) == {"status": ["The visit's window is over: plan a new visit."]}
    visit.refresh_from_db()
    assert (visit.status, visit.badge_number) == ("expected", "")


def test_an_early_arrival_is_checked_in(desk, host):
    visit = make_visitor("Early", host=host, starts_in=timedelta(hours=2)).visits.get()

    assert desk.post(url(visit, "check-in")).json()["status"] == "checked_in"


def test_a_visitor_never_checked_in_is_not_checked_out(desk, visit):
    response = desk.post(url(visit, "check-out"))

    assert errors(response) == {
        "status": ["Only a checked-in visitor can be checked out; this one is expected."]
    }
    visit.refresh_from_db()
    assert (visit.status, visit.checked_out_at) == ("expected", None)


def test_only_a_visit_still_to_come_is_cancelled(desk, visit, host):
    response = desk.post(url(visit, "cancel"))

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    assert errors(desk.post(url(visit, "cancel"))) == {
        "status": ["Only a visit still to come can be cancelled; this one is cancelled."]
    }

    inside = make_visitor("Jo", host=host, status=Visit.Status.CHECKED_IN).visits.get()
    assert errors(desk.post(url(inside, "cancel"))) == {
        "status": ["Only a visit still to come can be cancelled; this one is checked in."]
    }
    inside.refresh_from_db()
    assert inside.status == "checked_in"


@pytest.mark.django_db(transaction=True)  # the outbox sends once the request commits
def test_an_invitation_is_emailed_to_the_visitor(desk, visit, smtp_inbox):
    response = desk.post(url(visit, "invitation"))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "invited" and body["invited_at"]
    visit.refresh_from_db()
    assert visit.status == "invited"
    [email] = smtp_inbox
    assert email["To"] == "john@example.com"
    assert email["Subject"].startswith("ImageSift: Your visit with Hedy Lamarr on ")
    assert "/invite/" in email.get_payload(decode=True).decode()


def test_only_a_visit_still_to_come_is_invited(desk, host, smtp_inbox):
    inside = make_visitor("In", host=host, email="in@example.com", status=Visit.Status.CHECKED_IN)
    over = make_visitor(
        "Over",
        host=host,
        email="over@example.com",
        starts_in=timedelta(hours=-5),
        lasts=timedelta(hours=1),
    )

    for visitor in (inside, over):
        visit = visitor.visits.get()
        response = desk.post(url(visit, "invitation"))
        assert errors(response) == {"status": ["Only a visit still to come can be invited."]}
        visit.refresh_from_db()
        assert visit.invited_at is None
    assert smtp_inbox == []


# --- announced for real: the host's email, a signed webhook, MQTT --------------------------------
@pytest.mark.django_db(transaction=True)
def test_check_in_and_out_are_announced_and_the_host_is_emailed(
    desk, visit, host, smtp_inbox, webhook_receiver
):
    endpoint = webhook_receiver.endpoint(events=["visit.checked_in", "visit.checked_out"])

    assert desk.post(url(visit, "check-in")).status_code == 200

    [email] = smtp_inbox
    assert email["To"] == "hedy@example.com"
    assert email["Subject"] == "ImageSift: John Schneider (Acme) checked in to see Hedy Lamarr"

    assert desk.post(url(visit, "check-out")).status_code == 200

    assert len(smtp_inbox) == 1  # the host is told of the arrival only
    checked_in, checked_out = (
        Webhook(endpoint.secret).verify(r.body, r.headers) for r in webhook_receiver.received
    )
    assert (checked_in["type"], checked_out["type"]) == ("visit.checked_in", "visit.checked_out")
    visit.refresh_from_db()
    for event, status in ((checked_in, "checked_in"), (checked_out, "checked_out")):
        data = event["data"]
        assert set(data) == set(DATA_SCHEMAS[Event(event["type"])]["properties"])
        assert (data["visit"], data["status"], data["by"]) == (visit.pk, status, desk.user.username)
        assert data["visitor"] == {
            "id": visit.visitor_id,
            "kind": "visitor",
            "name": "John Schneider",
        }
        assert data["host"] == {"id": host.pk, "kind": "employee", "name": "Hedy Lamarr"}
        assert (data["company"], data["badge_number"]) == ("Acme", f"V{visit.pk:06d}")
        assert data["verification"] is None
        assert moment(data["starts_at"]) == visit.starts_at
        assert moment(data["checked_in_at"]) == visit.checked_in_at
    assert checked_in["data"]["checked_out_at"] is None
    assert moment(checked_out["data"]["checked_out_at"]) == visit.checked_out_at
    assert checked_in["data"]["summary"] == "John Schneider (Acme) checked in to see Hedy Lamarr"
    assert checked_out["data"]["summary"].startswith("John Schneider (Acme) checked out")


def _broker_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_check_in_is_published_to_the_mqtt_broker(request, desk, visit):
    if not _broker_answers():
        pytest.skip("No MQTT broker answers at 127.0.0.1:1883 (start Mosquitto to run this).")
    subscription = request.getfixturevalue("mqtt_subscription")

    assert desk.post(url(visit, "check-in")).status_code == 200

    assert subscription.arrived.wait(5), "no MQTT message arrived"
    topic, message = subscription.messages[0]
    assert topic == f"{subscription.prefix}/visit.checked_in"
    assert message["type"] == "visit.checked_in"
    assert (message["data"]["visit"], message["data"]["status"]) == (visit.pk, "checked_in")


# --- who may do what ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", REFUSED)
def test_without_a_role_nothing_is_read_or_written(api_as, visit, who):
    client = APIClient() if who == "anonymous" else api_as(None)
    status, body = REFUSED[who]
    for response in (
        client.get(VISITS),
        client.post(VISITS, {"visitor": visit.visitor_id, **window()}),
        client.get(url(visit)),
        client.patch(url(visit), {"purpose": "x"}),
        client.post(url(visit, "check-in")),
        client.post(url(visit, "check-out")),
        client.post(url(visit, "cancel")),
        client.post(url(visit, "invitation")),
    ):
        assert (response.status_code, response.json()) == (status, body)
    visit.refresh_from_db()
    assert (visit.status, visit.purpose, Visit.objects.count()) == ("expected", "", 1)


def test_api_clients_read_and_check_in_and_out_but_do_not_plan(api_as, visit):
    client = api_as(Role.API_CLIENT)

    assert ids(client.get(VISITS)) == [visit.pk]
    assert client.get(url(visit)).status_code == 200
    refused = (
        client.post(VISITS, {"visitor": visit.visitor_id, **window()}),
        client.patch(url(visit), {"purpose": "x"}),
        client.post(url(visit, "cancel")),
        client.post(url(visit, "invitation")),
    )
    for response in refused:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert Visit.objects.count() == 1
    assert client.post(url(visit, "check-in")).json()["status"] == "checked_in"
    assert client.post(url(visit, "check-out")).json()["status"] == "checked_out"


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_the_front_desk_and_admins_plan(api_as, visitor, ada, role):
    client = api_as(role)

    created = client.post(VISITS, {"visitor": visitor.pk, "host": ada.pk, **window()})

    assert created.status_code == 201, created.json()
    visit = Visit.objects.get(pk=created.json()["id"])
    assert client.patch(url(visit), {"purpose": "Demo"}).json()["purpose"] == "Demo"
    assert client.post(url(visit, "cancel")).json()["status"] == "cancelled"


def test_a_superuser_plans_without_any_group(admin_api, visitor):
    response = admin_api.post(VISITS, {"visitor": visitor.pk, **window()})

    assert response.status_code == 201
    assert response.json()["created_by"] == "api-root"


def test_a_host_sees_only_the_visits_they_host(hosts_api, visit, ada):
    others = make_visitor("Jackie Chan", host=ada).visits.get()
    no_host = make_visitor("Walk In").visits.get()

    assert ids(hosts_api.get(VISITS)) == [visit.pk]
    assert ids(hosts_api.get(VISITS, {"host": ada.pk})) == [visit.pk]  # still only theirs
    assert hosts_api.get(url(visit)).json()["id"] == visit.pk
    for hidden in (others, no_host):
        for response in (
            hosts_api.get(url(hidden)),
            hosts_api.patch(url(hidden), {"purpose": "Mine now"}),
            hosts_api.post(url(hidden, "cancel")),
            hosts_api.post(url(hidden, "invitation")),
        ):
            assert response.status_code == 404
        hidden.refresh_from_db()
        assert (hidden.status, hidden.purpose) == ("expected", "")


def test_a_host_plans_visits_hosted_by_themselves(hosts_api, host, ada, visit):
    named_other = hosts_api.post(
        VISITS, {"new_visitor": {"name": "Jo"}, "host": ada.pk, **window()}, format="json"
    )
    unnamed = hosts_api.post(VISITS, {"new_visitor": {"name": "Al"}, **window()}, format="json")

    for response in (named_other, unnamed):
        assert response.status_code == 201, response.json()
        assert response.json()["host"] == {"id": host.pk, "name": "Hedy Lamarr"}
        assert response.json()["created_by"] == "hedy"
    changed = hosts_api.patch(url(visit), {"host": ada.pk, "purpose": "Lunch"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["host"]["id"], changed.json()["purpose"]) == (host.pk, "Lunch")
    assert hosts_api.post(url(visit, "cancel")).json()["status"] == "cancelled"


def test_a_host_does_not_check_visitors_in_or_out(hosts_api, visit):
    for action in ("check-in", "check-out"):
        response = hosts_api.post(url(visit, action))
        assert response.status_code == 403
        assert response.json()["detail"] == "Your role does not allow this."
    visit.refresh_from_db()
    assert visit.status == "expected"


@pytest.mark.parametrize(
    "email", ["nobody@example.com", "", "gone@example.com"], ids=["unknown", "none", "inactive"]
)
def test_a_host_who_is_no_active_employee_is_told_why(user_with_role, visit, email):
    make_employee("Gone Away", email="gone@example.com", active=False)
    user = user_with_role(Role.HOST, username="stranger")
    user.email = email
    user.save()
    client = token_client(user)

    for response in (
        client.get(VISITS),
        client.get(url(visit)),
        client.post(VISITS, {"new_visitor": {"name": "Jo"}, **window()}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json() == {"detail": NO_EMPLOYEE, "code": "permission_denied"}
    assert Visit.objects.count() == 1 and Visitor.objects.count() == 1


def test_hosts_have_no_part_in_the_rest_of_the_api(hosts_api):
    for path in ("/api/v1/employees/", "/api/v1/verifications/", "/api/v1/visitors/"):
        response = hosts_api.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"


def test_a_host_who_is_also_front_desk_sees_every_visit(user_with_role, host, visit, ada):
    others = make_visitor("Jackie Chan", host=ada).visits.get()
    user = user_with_role(Role.HOST, username="hedy")
    user.email = host.email
    user.save()
    user.groups.add(Group.objects.get(name=Role.FRONT_DESK.value))
    client = token_client(user)

    assert ids(client.get(VISITS)) == [others.pk, visit.pk]  # Jackie's started a moment later
    assert client.post(url(others, "check-in")).status_code == 200


# --- the OpenAPI document ----------------------------------------------------------------------
def test_the_schema_documents_visits_and_their_events(api_as):
    schema = yaml.safe_load(api_as(Role.API_CLIENT).get("/api/v1/schema/").content)

    paths = schema["paths"]
    assert {"get", "post"} <= set(paths[VISITS])
    assert {"get", "patch"} <= set(paths[f"{VISITS}{{id}}/"])
    for action in ("check-in", "check-out", "cancel", "invitation"):
        operation = paths[f"{VISITS}{{id}}/{action}/"]["post"]
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/Visit"}, action
    assert "post" in paths["/api/v1/verifications/{id}/check-in/"]
    assert "get" in paths["/api/v1/invitations/{token}/"]
    assert "post" in paths["/api/v1/invitations/{token}/enrolment/"]
    listed = {p["name"] for p in paths[VISITS]["get"]["parameters"]}
    assert {"status", "host", "visitor", "day"} <= listed
    components = schema["components"]["schemas"]
    for name, event in (
        ("EventVisitInvited", "visit.invited"),
        ("EventVisitCheckedIn", "visit.checked_in"),
        ("EventVisitCheckedOut", "visit.checked_out"),
    ):
        assert components[name]["properties"]["type"]["enum"] == [event]
        data = components[name]["properties"]["data"]["properties"]
        assert set(data) == set(DATA_SCHEMAS[event]["properties"])
    assert set(components["Visit"]["properties"]) == VISIT_FIELDS
