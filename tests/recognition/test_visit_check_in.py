"""A visitor recognised at the desk, with real photos on the local engine: the verification
names their visit and whether it can be checked in; `POST /api/v1/verifications/{id}/check-in/`
checks it in (once), and with IMAGESIFT_AUTO_CHECK_IN the verification itself does. A visitor
checked out, whose visit was cancelled, or who comes a day early is told so, and not checked
in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import formats, timezone

from accounts.models import Employee, Visitor
from accounts.roles import Role
from recognition.models import Verification
from tests.factories import enroll, make_employee, make_visitor, post_verification
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)  # indexing and the outbox run on commit

URL = "/api/v1/verifications/"
VISITOR_FACE = "John_Schneider"
NOT_A_VISITOR = {"verification": ["Only a verification that admitted a visitor checks them in."]}


def check_in_url(verification_id: int) -> str:
    return f"{URL}{verification_id}/check-in/"


def when(moment) -> str:
    """A moment as the desk's reasons write it."""
    return formats.date_format(timezone.localtime(moment), "j M Y H:i")


@pytest.fixture
def host(db) -> Employee:
    return make_employee("Hedy Lamarr", email="hedy@example.com")


@pytest.fixture
def enrolled(faces, host):
    """A factory: John Schneider of Acme, visiting Hedy (`make_visitor`'s visit arguments),
    enrolled from three photos."""

    def create(**visit) -> Visitor:
        visitor = make_visitor("John Schneider", company="Acme", host=host, **visit)
        enroll(visitor, *faces.of(VISITOR_FACE)[:3])
        return visitor

    return create


@pytest.fixture
def visitor_probe(faces) -> bytes:
    """Another photo of John Schneider."""
    return faces.of(VISITOR_FACE)[3].read_bytes()


def verified(client, probe: bytes) -> dict:
    response = post_verification(client, probe)
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_visitor_under_way_is_checked_in_from_their_verification(
    front_desk, enrolled, visitor_probe, smtp_inbox
):
    visit = enrolled().visits.get()

    answer = verified(front_desk, visitor_probe)

    assert answer["decision"] == "visitor"
    assert (answer["visit"]["id"], answer["visit"]["status"]) == (visit.pk, "expected")
    assert answer["can_check_in"] is True

    response = front_desk.post(check_in_url(answer["id"]))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["id"], body["status"]) == (visit.pk, "checked_in")
    assert body["check_in_verification"] == answer["id"]
    assert body["checked_in_by"] == front_desk.user.username
    assert body["badge_number"] == f"V{visit.pk:06d}"
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_IN
    assert visit.check_in_verification_id == answer["id"]
    assert (visit.checked_in_by, visit.checked_in_by_name) == (
        front_desk.user,
        front_desk.user.username,
    )
    [email] = smtp_inbox
    assert email["To"] == "hedy@example.com"
    assert email["Subject"] == "ImageSift: John Schneider (Acme) checked in to see Hedy Lamarr"
    after = front_desk.get(f"{URL}{answer['id']}/").json()
    assert (after["visit"]["status"], after["can_check_in"]) == ("checked_in", False)

    again = front_desk.post(check_in_url(answer["id"]))

    assert again.status_code == 400
    assert again.json()["errors"] == {
        "status": ["Only an invited or expected visit can be checked in; this one is checked in."]
    }
    assert len(smtp_inbox) == 1


def test_only_a_verification_that_admitted_a_visitor_checks_in(
    front_desk, enrolled, employee, probe, visitor_probe, faces
):
    visit = enrolled().visits.get()
    of_employee = verified(front_desk, probe)
    of_stranger = verified(front_desk, faces.unknown()[0].read_bytes())
    assert (of_employee["decision"], of_stranger["decision"]) == ("employee", "unknown")

    for answer in (of_employee, of_stranger):
        assert answer["can_check_in"] is False
        response = front_desk.post(check_in_url(answer["id"]))
        assert response.status_code == 400
        assert response.json()["errors"] == NOT_A_VISITOR

    assert front_desk.post(check_in_url(999999)).status_code == 404
    visit.refresh_from_db()
    assert (visit.status, visit.check_in_verification_id) == ("expected", None)


def test_checking_in_from_a_verification_needs_a_role_that_runs_visits(
    api_as, front_desk, enrolled, visitor_probe
):
    visit = enrolled().visits.get()
    answer = verified(front_desk, visitor_probe)

    assert api_as(None).post(check_in_url(answer["id"])).status_code == 403
    assert api_as(Role.HOST).post(check_in_url(answer["id"])).status_code == 403
    visit.refresh_from_db()
    assert visit.status == "expected"
    checked_in = api_as(Role.API_CLIENT).post(check_in_url(answer["id"]))
    assert checked_in.json()["status"] == "checked_in"


def test_with_auto_check_in_the_verification_checks_the_visit_in(
    settings, front_desk, enrolled, visitor_probe, smtp_inbox
):
    settings.IMAGESIFT_AUTO_CHECK_IN = True
    visit = enrolled().visits.get()

    answer = verified(front_desk, visitor_probe)

    assert answer["decision"] == "visitor"
    assert (answer["visit"]["id"], answer["visit"]["status"]) == (visit.pk, "checked_in")
    assert answer["visit"]["check_in_verification"] == answer["id"]
    assert answer["can_check_in"] is False
    visit.refresh_from_db()
    assert visit.check_in_verification_id == answer["id"]
    assert visit.checked_in_by == front_desk.user
    [email] = smtp_inbox
    assert email["To"] == "hedy@example.com"

    again = verified(front_desk, visitor_probe)  # still on site: admitted, not checked in again

    assert (again["decision"], again["visit"]["status"]) == ("visitor", "checked_in")
    assert front_desk.post(check_in_url(answer["id"])).status_code == 400
    visit.refresh_from_db()
    assert visit.check_in_verification_id == answer["id"]
    assert len(smtp_inbox) == 1  # the host is emailed once


def test_a_checked_out_visitor_is_not_checked_in_again(
    settings, front_desk, enrolled, visitor_probe, smtp_inbox
):
    settings.IMAGESIFT_AUTO_CHECK_IN = True
    visit = enrolled(status=Visit.Status.CHECKED_OUT).visits.get()
    smtp_inbox.clear()  # the check-in before it

    answer = verified(front_desk, visitor_probe)

    assert answer["decision"] == "visitor_checked_out"
    assert answer["reason"] == f"checked out of this visit at {when(visit.checked_out_at)}"
    assert (answer["visit"]["id"], answer["visit"]["status"]) == (visit.pk, "checked_out")
    assert answer["can_check_in"] is False
    response = front_desk.post(check_in_url(answer["id"]))
    assert (response.status_code, response.json()["errors"]) == (400, NOT_A_VISITOR)
    visit.refresh_from_db()
    assert (visit.status, visit.check_in_verification_id) == ("checked_out", None)
    assert smtp_inbox == []


def test_a_cancelled_visit_is_named_at_the_door(settings, front_desk, enrolled, visitor_probe):
    settings.IMAGESIFT_AUTO_CHECK_IN = True
    visit = enrolled(status=Visit.Status.CANCELLED).visits.get()

    answer = verified(front_desk, visitor_probe)

    assert (answer["decision"], answer["reason"]) == ("visit_cancelled", "the visit was cancelled")
    assert (answer["visit"]["id"], answer["can_check_in"]) == (visit.pk, False)
    response = front_desk.post(check_in_url(answer["id"]))
    assert (response.status_code, response.json()["errors"]) == (400, NOT_A_VISITOR)
    visit.refresh_from_db()
    assert visit.status == "cancelled"


def test_a_visitor_a_day_early_is_told_when_their_visit_starts(
    settings, front_desk, enrolled, visitor_probe
):
    settings.IMAGESIFT_AUTO_CHECK_IN = True
    visit = enrolled(starts_in=timedelta(days=1)).visits.get()

    answer = verified(front_desk, visitor_probe)

    assert answer["decision"] == "visitor_outside_window"
    assert answer["reason"] == (
        f"the visit window has not started yet: it starts {when(visit.starts_at)}"
    )
    assert (answer["visit"]["id"], answer["can_check_in"]) == (visit.pk, False)
    response = front_desk.post(check_in_url(answer["id"]))
    assert (response.status_code, response.json()["errors"]) == (400, NOT_A_VISITOR)
    visit.refresh_from_db()
    assert (visit.status, visit.checked_in_at) == ("expected", None)
    assert Verification.objects.get(pk=answer["id"]).visit_id == visit.pk
