"""The events the apps announce through the outbox, end to end on the local engine: denied and
possibly denied verifications (webhook and the security team's email), unknown ones for the
endpoints that ask, and enrolments."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from notifications.models import Notification
from tests.factories import enroll, make_employee, verify

pytestmark = pytest.mark.django_db(transaction=True)

FACE = "Jackie_Chan"


def events_received(receiver, endpoint) -> list[dict]:
    return [Webhook(endpoint.secret).verify(r.body, r.headers) for r in receiver.received]


@pytest.fixture
def denied(faces):
    person = make_employee("Jackie Chan", denied=True, denied_reason="Badge revoked")
    enroll(person, faces.of(FACE)[0])
    return person


def test_a_denied_person_is_announced_and_emailed_to_security(
    denied, faces, webhook_receiver, smtp_inbox, settings
):
    settings.IMAGESIFT_SECURITY_EMAILS = ["security@example.com"]
    endpoint = webhook_receiver.endpoint(events=["verification.denied"])

    verification = verify(faces.of(FACE)[3], channel="ui")

    [event] = events_received(webhook_receiver, endpoint)
    assert event["type"] == "verification.denied"
    data = event["data"]
    assert (data["verification"], data["decision"], data["reason"]) == (
        verification.pk,
        "denied",
        "Badge revoked",
    )
    assert data["person"] == {"id": denied.pk, "kind": "employee", "name": "Jackie Chan"}
    assert data["summary"] == "Denied: Jackie Chan at the front desk (Badge revoked)"
    assert data["probe_url"] == f"/api/v1/verifications/{verification.pk}/probe/"
    [email] = smtp_inbox
    assert email["To"] == "security@example.com"
    assert email["Subject"].startswith("ImageSift: Denied: Jackie Chan")


def test_a_possible_deny_list_match_raises_the_same_event(
    denied, faces, webhook_receiver, smtp_inbox, settings
):
    settings.IMAGESIFT_SECURITY_EMAILS = ["security@example.com"]
    settings.IMAGESIFT_MATCH_THRESHOLD = 99.9  # near the denied person, not a match
    endpoint = webhook_receiver.endpoint(events=["verification.denied"])

    verification = verify(faces.of(FACE)[3])

    assert verification.decision == "possible_denied"
    [event] = events_received(webhook_receiver, endpoint)
    assert (event["type"], event["data"]["decision"]) == ("verification.denied", "possible_denied")
    assert event["data"]["person"]["id"] == denied.pk
    [email] = smtp_inbox
    assert "Possible deny-list match: Jackie Chan through the API" in email["Subject"]


def test_unknown_people_reach_only_the_endpoints_that_ask(faces, webhook_receiver):
    asks = webhook_receiver.endpoint(events=["verification.unknown"])
    webhook_receiver.endpoint()  # every event but the opt-in ones

    verify(faces.unknown()[0])

    [event] = events_received(webhook_receiver, asks)
    assert (event["type"], event["data"]["person"]) == ("verification.unknown", None)


def test_an_admitted_employee_is_not_announced(faces, webhook_receiver):
    webhook_receiver.endpoint()
    enroll(make_employee("Jackie Chan"), faces.of(FACE)[0])
    webhook_receiver.received.clear()  # the enrolment's own event

    assert verify(faces.of(FACE)[3]).decision == "employee"
    assert webhook_receiver.received == []


def test_an_indexed_photo_announces_the_enrolment(faces, webhook_receiver):
    endpoint = webhook_receiver.endpoint(events=["person.enrolled"])
    ada = make_employee("Jackie Chan")

    [photo] = enroll(ada, faces.of(FACE)[0])
    enroll(make_employee("Nobody", consent=False), faces.of(FACE)[1])  # rejected: no event

    [event] = events_received(webhook_receiver, endpoint)
    assert event["type"] == "person.enrolled"
    assert event["data"]["person"] == {"id": ada.pk, "kind": "employee", "name": "Jackie Chan"}
    assert event["data"]["photo"] == photo.pk
    assert Notification.objects.get().state == "sent"
