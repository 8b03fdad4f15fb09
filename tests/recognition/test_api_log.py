"""The audit log through the API: newest first, filtered, and keeping the names of people
erased since."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as people
from accounts.roles import Role
from recognition.models import Verification
from tests.factories import make_employee, make_visitor, post_verification

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/verifications/"


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


# --- the probe image ------------------------------------------------------------------------------
def test_the_probe_opens_through_its_role_checked_link_while_it_is_kept(front_desk, probe):
    body = post_verification(front_desk, probe).json()
    client = front_desk

    assert body["probe_url"] == f"{URL}{body['id']}/probe/"
    opened = client.get(body["probe_url"])
    assert opened.status_code == 200
    assert opened["Content-Type"].startswith("image/")
    assert opened["Cache-Control"] == "private, max-age=300"
    assert b"".join(opened.streaming_content) == Verification.objects.get().probe_image.read()


def test_an_expired_probe_is_404_saying_why(front_desk, probe):
    body = post_verification(front_desk, probe).json()
    Verification.objects.get().probe_image.delete()

    response = front_desk.get(f"{URL}{body['id']}/probe/")

    assert response.status_code == 404
    assert "retention period" in response.json()["detail"]
    assert front_desk.get(f"{URL}{body['id']}/").json()["probe_url"] is None


@pytest.mark.parametrize("who", ["anonymous", "no role"])
def test_the_probe_is_for_role_holders_only(api_as, front_desk, probe, who):
    body = post_verification(front_desk, probe).json()
    client = APIClient() if who == "anonymous" else api_as(None)

    assert client.get(f"{URL}{body['id']}/probe/").status_code in (401, 403)


def test_reading_the_log_costs_the_same_queries_however_many_visits_it_shows(api_as):
    client = api_as(Role.API_CLIENT)

    def visitors_verified(count: int) -> int:
        for number in range(count):
            visitor = make_visitor(f"Visitor {number}", host=make_employee(f"Host {number}"))
            log(1, decision="visitor", person=visitor, visit=visitor.visits.get())
        with CaptureQueriesContext(connection) as read:
            assert client.get(URL).status_code == 200
        return len(read.captured_queries)

    one = visitors_verified(1)
    assert visitors_verified(4) == one  # visit, visitor, host and photos are read in bulk
