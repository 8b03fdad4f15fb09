"""Who is on site and the evacuation roll call: the selector's rules, the muster services, the
page and the API, with real verifications of enrolled faces."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import Role
from recognition import selectors
from recognition.models import Muster, Verification
from recognition.muster import muster_end, muster_start
from tests.factories import enroll, make_employee, make_visitor, verify
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)

ON_SITE = "/api/v1/on-site/"
MUSTER = "/api/v1/on-site/muster/"
OTHER_FACE = "Venus_Williams"


def test_visitors_on_site_and_employees_admitted_today_are_on_site_each_once(
    employee, probe, faces
):
    walk_in = make_visitor("Walk In", company="Acme", host=employee, status=Visit.Status.CHECKED_IN)
    make_visitor("Expected Later")
    make_visitor("Gone Home", status=Visit.Status.CHECKED_OUT)
    make_visitor("Called Off", status=Visit.Status.CANCELLED)
    first, latest = verify(probe), verify(probe)
    verify(faces.nonface()[0])  # no face: nobody
    yesterday_only = make_employee(OTHER_FACE.replace("_", " "))
    enroll(yesterday_only, *faces.of(OTHER_FACE)[:3])
    old = verify(faces.of(OTHER_FACE)[3])
    assert old.decision == Verification.Decision.EMPLOYEE
    Verification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert (first.decision, latest.decision) == ("employee", "employee")

    on_site = selectors.on_site()

    assert [present.visitor for present in on_site.visitors] == [walk_in]
    assert on_site.visitors[0].visit.host == employee
    assert [present.employee for present in on_site.employees] == [employee]
    assert on_site.employees[0].last_verified_at == latest.created_at
    assert on_site.muster is None
    assert (on_site.accounted_for, on_site.missing) == (0, 0)
    # Tomorrow, nobody verified "today": only the visitor still checked in.
    tomorrow = selectors.on_site(now=timezone.now() + timedelta(days=1))
    assert (len(tomorrow.visitors), tomorrow.employees) == (1, [])
    yesterday = selectors.on_site(now=timezone.now() - timedelta(days=1))
    assert [present.employee for present in yesterday.employees] == [yesterday_only]


def test_during_a_muster_people_verified_since_it_started_are_accounted_for(
    employee, probe, user_with_role
):
    verify(probe, "kiosk")  # arrived this morning
    visitor = make_visitor("Walk In", status=Visit.Status.CHECKED_IN)
    muster = muster_start(started_by=user_with_role(Role.FRONT_DESK, "warden"))

    before = selectors.on_site()
    assert before.muster == muster and muster.started_by_name == "warden"
    assert [present.accounted_for_at for present in before.people] == [None, None]
    assert (before.accounted_for, before.missing) == (0, 2)

    at_muster_point = verify(probe, "api")
    during = selectors.on_site()

    assert during.employees[0].accounted_for_at == at_muster_point.created_at
    assert during.visitors[0].visitor == visitor and during.visitors[0].accounted_for_at is None
    assert (during.accounted_for, during.missing) == (1, 1)
    muster_end(muster=muster, ended_by=None)
    after = selectors.on_site()
    assert after.muster is None and (after.accounted_for, after.missing) == (0, 0)


def test_one_muster_is_active_at_a_time(user_with_role):
    warden = user_with_role(Role.FRONT_DESK)
    first = muster_start(started_by=warden)

    assert muster_start(started_by=None) == first
    with pytest.raises(IntegrityError), transaction.atomic():
        Muster.objects.create()  # the database refuses a second active one too
    ended = muster_end(muster=first, ended_by=warden)
    assert ended.ended_at is not None and ended.ended_by_name == warden.username
    assert muster_end(muster=first, ended_by=None).ended_at == ended.ended_at
    second = muster_start(started_by=warden)
    assert second != first and selectors.active_muster() == second


# --- the page ------------------------------------------------------------------------------------
def test_the_page_is_for_front_desk_and_admins(client, client_as):
    response = client.get("/on-site/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/on-site/"
    for role in (None, Role.API_CLIENT):
        assert client_as(role).get("/on-site/").status_code == 403
    assert client_as(Role.ADMIN).get("/on-site/").status_code == 200


def test_the_page_lists_who_is_on_site_and_runs_the_roll_call(client_as, employee, probe):
    make_visitor("Walk In", company="Acme", host=employee, status=Visit.Status.CHECKED_IN)
    verify(probe)
    desk = client_as(Role.FRONT_DESK)

    page = desk.get("/on-site/").content.decode()

    assert 'href="/static/onsite/onsite.css"' in page
    assert 'href="/on-site/" aria-current="page">On site</a>' in page
    assert "Who is on site" in page and "Walk In" in page and "Acme" in page
    assert "Jackie Chan" in page and "Stunts" in page
    assert "<strong>1</strong> visitor</span>" in page
    assert "<strong>1</strong> employee today</span>" in page
    assert 'value="start"' in page and "csrfmiddlewaretoken" in page
    assert "Missing" not in page
    visit = Visit.objects.get()
    assert f'href="/visits/{visit.pk}/badge/"' in page and visit.badge_number in page
    assert f'action="/visits/{visit.pk}/check-out/"' in page

    response = desk.post("/on-site/muster/", {"action": "start"})
    assert response.status_code == 302 and response["Location"] == "/on-site/"
    verify(probe)
    page = desk.get("/on-site/").content.decode()
    assert "Evacuation roll call" in page and 'value="end"' in page
    assert page.count('data-accounted="true"') == 1 and page.count('data-accounted="false"') == 1
    assert "Accounted for" in page and "Missing" in page

    assert desk.post("/on-site/muster/", {"action": "panic"}).status_code == 400
    assert desk.get("/on-site/muster/").status_code == 405
    assert desk.post("/on-site/muster/", {"action": "end"}).status_code == 302
    assert selectors.active_muster() is None


def test_the_stylesheet_prints_a_clean_roll_call():
    css = (settings.BASE_DIR / "static" / "onsite" / "onsite.css").read_text()
    printed = css.split("@media print", 1)[1]

    assert ".site-header" in printed and ".muster-actions" in printed and "button" in printed
    assert ".tick { display: table-cell" in printed and ".no-print" in printed


# --- the API -------------------------------------------------------------------------------------
def test_the_api_says_who_is_on_site(api_as, employee, probe, client):
    visitor = make_visitor("Walk In", company="Acme", host=employee, status=Visit.Status.CHECKED_IN)
    visit = visitor.visits.get()
    verification = verify(probe)
    assert client.get(ON_SITE).status_code in (401, 403)

    response = api_as(Role.API_CLIENT).get(ON_SITE)

    assert response.status_code == 200
    body = response.json()
    assert body["muster"] is None and (body["accounted_for"], body["missing"]) == (0, 0)
    assert body["visitors"] == [
        {
            "id": visitor.pk,
            "name": "Walk In",
            "kind": "visitor",
            "company": "Acme",
            "visit": visit.pk,
            "host": {"id": employee.pk, "name": "Jackie Chan"},
            "since": body["visitors"][0]["since"],
            "visit_end": body["visitors"][0]["visit_end"],
            "badge_number": visit.badge_number,
            "accounted_for_at": None,
        }
    ]
    [person] = body["employees"]
    assert person == {
        "id": employee.pk,
        "name": "Jackie Chan",
        "kind": "employee",
        "department": "Stunts",
        "last_verified_at": person["last_verified_at"],
        "accounted_for_at": None,
    }
    assert person["last_verified_at"].startswith(verification.created_at.isoformat()[:19])


def test_the_api_starts_and_ends_the_muster(api_as, employee, probe):
    verify(probe)
    make_visitor("Walk In", status=Visit.Status.CHECKED_IN)
    desk = api_as(Role.FRONT_DESK)
    assert api_as(Role.API_CLIENT).post(MUSTER, {"action": "start"}).status_code == 403

    started = desk.post(MUSTER, {"action": "start"}, format="json")
    again = desk.post(MUSTER, {"action": "start"}, format="json")

    assert started.status_code == 201 and again.status_code == 200
    muster = started.json()
    assert again.json() == muster
    assert set(muster) == {"id", "started_at", "started_by", "ended_at"}
    assert muster["started_by"] == desk.user.username and muster["ended_at"] is None
    verify(probe)
    during = desk.get(ON_SITE).json()
    assert during["muster"] == muster and (during["accounted_for"], during["missing"]) == (1, 1)
    assert during["employees"][0]["accounted_for_at"] is not None
    assert during["visitors"][0]["accounted_for_at"] is None

    ended = desk.post(MUSTER, {"action": "end"}, format="json")
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    assert desk.get(ON_SITE).json()["muster"] is None
    nothing_to_end = desk.post(MUSTER, {"action": "end"}, format="json")
    assert nothing_to_end.status_code == 409
    assert nothing_to_end.json()["code"] == "no_active_muster"


@pytest.mark.parametrize("payload", [{"action": "panic"}, {}])
def test_a_bad_muster_action_is_400_naming_the_field(api_as, payload):
    response = api_as(Role.FRONT_DESK).post(MUSTER, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["action"]
    assert not Muster.objects.exists()
