"""The visits list and the planning form (visits/views.py), through Django's test client: who may
open them, what a host sees and plans, planning with and without an invitation (delivered to a
real SMTP server), errors shown by field with nothing written, and the Cancel and Send
invitation buttons."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.models import Employee, Visitor
from accounts.roles import Role
from notifications.models import Notification
from tests.factories import make_employee, make_visitor
from visits.models import Visit

pytestmark = pytest.mark.django_db

LIST, PLAN = "/visits/", "/visits/new/"


def cancel_url(visit: Visit) -> str:
    return f"/visits/{visit.pk}/cancel/"


def invitation_url(visit: Visit) -> str:
    return f"/visits/{visit.pk}/invitation/"


def local_input(moment: datetime) -> str:
    """A time as a datetime-local input sends it: the site's wall clock, to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def tomorrow_at(hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def plan_data(**fields) -> dict:
    """A valid planning form: a new visitor tomorrow 10:00-12:00, no host, no invitation."""
    return {
        "name": "Jackie Chan",
        "email": "jackie@example.com",
        "company": "JC Group",
        "host": "",
        "starts_at": local_input(tomorrow_at(10)),
        "ends_at": local_input(tomorrow_at(12)),
        "purpose": "Stunt rehearsal",
        **fields,
    }


def rows(response) -> dict[int, str]:
    """The list's rows by visit id: each row's HTML."""
    page = response.content.decode()
    return {
        int(pk): html
        for pk, html in re.findall(
            r'<tr data-testid="visit-row" data-visit="(\d+)"[^>]*>(.*?)</tr>', page, re.S
        )
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def host_user(user_with_role, host) -> User:
    """A user holding only the Hosts role: Hedy, by her email address."""
    user = user_with_role(Role.HOST, username="hedy")
    user.email = "HEDY@example.com"
    user.save()
    return user


@pytest.fixture
def host_client(host_user) -> Client:
    client = Client()
    client.force_login(host_user)
    return client


@pytest.fixture
def desk(client_as) -> Client:
    return client_as(Role.FRONT_DESK)


# --- who may open the pages --------------------------------------------------------------------
@pytest.mark.parametrize("url", [LIST, PLAN])
def test_signing_in_comes_first(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", [Role.API_CLIENT, None])
def test_roles_that_plan_no_visits_are_refused(client_as, visitor, role):
    client = client_as(role)
    visit = visitor.visits.get()

    assert client.get(LIST).status_code == 403
    assert client.get(PLAN).status_code == 403
    assert client.post(PLAN, plan_data()).status_code == 403
    assert client.post(cancel_url(visit)).status_code == 403
    assert Visit.objects.count() == 1
    assert Visit.objects.get().status == Visit.Status.EXPECTED


def test_every_signed_in_user_sees_the_visits_link(client_as):
    """The header links to the visits for everyone signed in; the page answers who may see it."""
    page = client_as(Role.API_CLIENT).get("/images/").content.decode()

    assert '<a href="/visits/">Visits</a>' in page


def test_the_link_is_marked_current_on_the_visits_pages(desk):
    assert '<a href="/visits/" aria-current="page">Visits</a>' in desk.get(LIST).content.decode()
    assert '<a href="/visits/" aria-current="page">Visits</a>' in desk.get(PLAN).content.decode()


def test_a_host_no_employee_matches_is_refused(user_with_role, host):
    user = user_with_role(Role.HOST, username="stranger")
    user.email = "stranger@example.com"
    user.save()
    client = Client()
    client.force_login(user)

    response = client.get(LIST)

    assert response.status_code == 403


# --- the list ------------------------------------------------------------------------------
def test_the_list_shows_today_and_the_coming_week(desk, host):
    under_way = make_visitor("John Schneider", company="Acme", host=host).visits.get()
    in_three_days = make_visitor("Ada Soon", starts_in=timedelta(days=3)).visits.get()
    in_ten_days = make_visitor("Al Later", starts_in=timedelta(days=10)).visits.get()
    last_week = make_visitor("Bo Before", starts_in=timedelta(days=-7)).visits.get()

    response = desk.get(LIST)

    assert response.status_code == 200
    assert response.templates[0].name == "visits/list.html"
    shown = rows(response)
    assert list(shown) == [under_way.pk, in_three_days.pk]  # the earliest first
    assert in_ten_days.pk not in shown and last_week.pk not in shown
    row = shown[under_way.pk]
    assert "John Schneider" in row and "Acme" in row and "Hedy Lamarr" in row
    assert 'data-testid="visit-status">Expected<' in row
    start, end = timezone.localtime(under_way.starts_at), timezone.localtime(under_way.ends_at)
    assert f"{start:%H:%M}" in row and f"{end:%H:%M}" in row
    assert "Today and the next 7 days" in response.content.decode()


def test_a_day_shows_the_visits_touching_it(desk):
    day = timezone.localdate() + timedelta(days=10)
    later = make_visitor("Al Later", starts_in=timedelta(days=10)).visits.get()
    make_visitor("John Today")

    response = desk.get(LIST, {"day": day.isoformat()})

    assert list(rows(response)) == [later.pk]
    assert f'On <time datetime="{day.isoformat()}">' in response.content.decode()


def test_a_day_that_is_no_date_is_explained(desk, visitor):
    response = desk.get(LIST, {"day": "tomorrow"})

    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert list(rows(response)) == [visitor.visits.get().pk]  # today and the coming days


def test_buttons_for_visits_still_to_come_and_a_badge_for_who_is_in(desk, host):
    planned = make_visitor("Ada Soon", email="ada@example.com", starts_in=timedelta(hours=2))
    no_email = make_visitor("No Mail", starts_in=timedelta(hours=2))
    inside = make_visitor("In Side", status=Visit.Status.CHECKED_IN)
    cancelled = make_visitor("Called Off", status=Visit.Status.CANCELLED)

    response = desk.get(LIST)

    shown = rows(response)
    planned_row = shown[planned.visits.get().pk]
    assert 'data-testid="cancel-visit"' in planned_row
    assert 'data-testid="send-invitation">Send invitation<' in planned_row
    assert 'Cancel<span class="visually-hidden"> the visit of Ada Soon</span>' in planned_row
    assert 'name="csrfmiddlewaretoken"' in planned_row
    no_email_row = shown[no_email.visits.get().pk]
    assert 'data-testid="cancel-visit"' in no_email_row
    assert "send-invitation" not in no_email_row  # no address to send it to
    inside_visit = inside.visits.get()
    inside_row = shown[inside_visit.pk]
    assert "cancel-visit" not in inside_row and "send-invitation" not in inside_row
    assert (
        f'<a href="/visits/{inside_visit.pk}/badge/" data-testid="badge-link">'
        f"{inside_visit.badge_number}</a>"
    ) in inside_row
    cancelled_row = shown[cancelled.visits.get().pk]
    assert "Cancelled" in cancelled_row and "cancel-visit" not in cancelled_row


def test_a_visitor_who_enrolled_through_the_invitation_is_not_invited_again(desk):
    visitor = make_visitor("Ada Soon", email="ada@example.com", starts_in=timedelta(hours=2))
    visit = visitor.visits.get()
    Visit.objects.filter(pk=visit.pk).update(self_enrolled_at=timezone.now())

    row = rows(desk.get(LIST))[visit.pk]

    assert "send-invitation" not in row and 'data-testid="self-enrolled"' in row
    assert 'data-testid="cancel-visit"' in row


def test_a_host_sees_only_the_visits_they_host(host_client, host):
    own = make_visitor("Mine", host=host, status=Visit.Status.CHECKED_IN).visits.get()
    other_host = make_employee("Other Host", email="other@example.com")
    make_visitor("Theirs", host=other_host)
    make_visitor("Nobody's")

    response = host_client.get(LIST)

    assert response.status_code == 200
    assert list(rows(response)) == [own.pk]
    # The badge page is the desk's: a host reads the number, with no link to it.
    assert 'data-testid="badge-link"' not in rows(response)[own.pk]
    assert own.badge_number in rows(response)[own.pk]


# --- planning ------------------------------------------------------------------------------
def test_the_form_offers_active_employees_as_hosts(desk, host):
    make_employee("Gone Away", active=False)

    response = desk.get(PLAN)

    assert response.status_code == 200
    assert response.templates[0].name == "visits/plan.html"
    choices = [label for _, label in response.context["form"].fields["host"].choices]
    assert choices == ["No host", "Hedy Lamarr"]
    page = response.content.decode()
    assert 'type="datetime-local"' in page and 'name="csrfmiddlewaretoken"' in page
    assert "Email an invitation" in page


def test_planning_without_an_invitation(desk, host, smtp_inbox):
    response = desk.post(PLAN, plan_data(host=host.pk), follow=True)

    assert response.redirect_chain == [("/visits/", 302)]
    visit = Visit.objects.get()
    visitor = visit.visitor
    assert (visitor.name, visitor.email, visitor.company) == (
        "Jackie Chan",
        "jackie@example.com",
        "JC Group",
    )
    assert (visit.host, visit.status, visit.purpose) == (host, "expected", "Stunt rehearsal")
    assert (visit.starts_at, visit.ends_at) == (tomorrow_at(10), tomorrow_at(12))
    assert visit.invited_at is None and visit.created_by_name == "user-front_desk"
    [message] = messages_of(response)
    assert message.startswith("Visit of Jackie Chan planned for ") and "invitation" not in message
    assert visit.pk in rows(response)
    assert smtp_inbox == [] and not Notification.objects.filter(event="visit.invited").exists()


@pytest.mark.django_db(transaction=True)  # the outbox delivers when the plan commits
def test_planning_with_an_invitation_emails_the_visitor(desk, host, smtp_inbox):
    response = desk.post(PLAN, plan_data(host=host.pk, invite="on"), follow=True)

    visit = Visit.objects.get()
    assert visit.status == Visit.Status.INVITED and visit.invited_at is not None
    [message] = messages_of(response)
    assert message.endswith("; an invitation is emailed to jackie@example.com.")
    [email] = smtp_inbox
    assert email["To"] == "jackie@example.com"
    assert email["Subject"].startswith("ImageSift: Your visit with Hedy Lamarr on ")
    assert "/invite/" in email.get_payload(decode=True).decode()
    assert 'data-testid="visit-status">Invited<' in rows(response)[visit.pk]


def test_a_registered_visitor_is_reused_by_email(desk, visitor):
    response = desk.post(PLAN, plan_data(name="", email="JOHN@example.com", company="Other"))

    assert response.status_code == 302
    assert Visitor.objects.count() == 1
    visitor.refresh_from_db()
    assert visitor.visits.count() == 2
    assert (visitor.name, visitor.company) == ("John Schneider", "Acme")  # kept as they are


def test_a_visit_far_ahead_is_shown_on_its_day(desk):
    start = timezone.localtime() + timedelta(days=30)
    data = plan_data(starts_at=local_input(start), ends_at=local_input(start + timedelta(hours=1)))

    response = desk.post(PLAN, data)

    assert response["Location"] == f"/visits/?day={start.date().isoformat()}"


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        (
            {"ends_at": local_input(tomorrow_at(9))},
            "ends_at",
            "The visit must end after it starts.",
        ),
        (
            {"email": "", "invite": "on"},
            "email",
            "Give the visitor's email address to invite them.",
        ),
        (
            {"name": "", "email": "new@example.com"},
            "name",
            "Give the visitor's name (or a registered visitor's email).",
        ),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"starts_at": "tomorrow"}, "starts_at", "Enter a valid date/time."),
    ],
)
def test_errors_are_shown_by_field_and_nothing_is_written(desk, smtp_inbox, fields, field, error):
    response = desk.post(PLAN, plan_data(**fields))

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [error]}
    assert error.replace("'", "&#x27;") in response.content.decode()
    assert not Visitor.objects.exists() and not Visit.objects.exists()
    assert smtp_inbox == []


def test_an_inactive_host_is_refused_by_field(desk):
    gone = make_employee("Gone Away", active=False)

    response = desk.post(PLAN, plan_data(host=gone.pk))

    assert response.context["form"].errors == {"host": ["Choose an active employee."]}
    assert not Visitor.objects.exists() and not Visit.objects.exists()


def test_what_the_service_refuses_is_shown_and_nothing_written(desk, smtp_inbox):
    """The form checks what it can; the rest is the service's word, shown on the form: here, an
    invitation to a visit already over."""
    yesterday = tomorrow_at(10) - timedelta(days=2)
    data = plan_data(
        starts_at=local_input(yesterday),
        ends_at=local_input(yesterday + timedelta(hours=1)),
        invite="on",
    )

    response = desk.post(PLAN, data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": ["Only a visit still to come can be invited."]
    }
    assert "Only a visit still to come can be invited." in response.content.decode()
    assert not Visitor.objects.exists() and not Visit.objects.exists()
    assert smtp_inbox == []


def test_a_host_plans_visits_they_host_only(host_client, host):
    other = make_employee("Other Host", email="other@example.com")

    page = host_client.get(PLAN)
    response = host_client.post(PLAN, plan_data(host=other.pk))

    assert [label for _, label in page.context["form"].fields["host"].choices] == ["Hedy Lamarr"]
    assert re.search(r'<select name="host"[^>]* disabled', page.content.decode())
    assert response.status_code == 302
    assert Visit.objects.get().host == host  # the posted host is ignored


# --- the buttons ------------------------------------------------------------------------------
def test_cancel_a_visit_still_to_come(desk):
    visit = make_visitor("Ada Soon", starts_in=timedelta(hours=2)).visits.get()

    response = desk.post(cancel_url(visit), follow=True)

    assert response.redirect_chain == [("/visits/", 302)]
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CANCELLED
    assert messages_of(response) == ["The visit of Ada Soon is cancelled."]
    assert "cancel-visit" not in rows(response)[visit.pk]


def test_cancel_returns_to_the_day_it_was_pressed_on(desk):
    visit = make_visitor("Al Later", starts_in=timedelta(days=10)).visits.get()
    day = timezone.localdate(visit.starts_at).isoformat()

    response = desk.post(cancel_url(visit), {"day": day})

    assert response["Location"] == f"/visits/?day={day}"


def test_a_visit_under_way_cannot_be_cancelled(desk):
    visit = make_visitor("In Side", status=Visit.Status.CHECKED_IN).visits.get()

    response = desk.post(cancel_url(visit), follow=True)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_IN
    assert messages_of(response) == [
        "Only a visit still to come can be cancelled; this one is checked in."
    ]


def test_the_buttons_take_posts_only(desk, visitor):
    visit = visitor.visits.get()

    assert desk.get(cancel_url(visit)).status_code == 405
    assert desk.get(invitation_url(visit)).status_code == 405


def test_the_buttons_check_the_csrf_token(user_with_role, visitor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_role(Role.FRONT_DESK))

    assert client.post(cancel_url(visitor.visits.get())).status_code == 403
    assert Visit.objects.get().status == Visit.Status.EXPECTED


def test_a_host_cannot_touch_another_hosts_visit(host_client):
    other = make_employee("Other Host", email="other@example.com")
    visit = make_visitor("Theirs", host=other, starts_in=timedelta(hours=2)).visits.get()

    assert host_client.post(cancel_url(visit)).status_code == 404
    assert host_client.post(invitation_url(visit)).status_code == 404
    visit.refresh_from_db()
    assert visit.status == Visit.Status.EXPECTED


@pytest.mark.django_db(transaction=True)
def test_send_an_invitation_from_the_list(host_client, host, smtp_inbox):
    visitor = make_visitor(
        "Ada Soon", email="ada@example.com", host=host, starts_in=timedelta(hours=2)
    )
    visit = visitor.visits.get()

    response = host_client.post(invitation_url(visit), follow=True)

    visit.refresh_from_db()
    assert (visit.status, visit.invited_at is not None) == (Visit.Status.INVITED, True)
    assert messages_of(response) == ["An invitation is emailed to ada@example.com."]
    [email] = smtp_inbox
    assert email["To"] == "ada@example.com"
    assert "Send invitation again" in rows(response)[visit.pk]


def test_an_invitation_needs_an_email_address(desk):
    visit = make_visitor("No Mail", starts_in=timedelta(hours=2)).visits.get()

    response = desk.post(invitation_url(visit), follow=True)

    assert messages_of(response) == ["The visitor has no email address to invite."]
    visit.refresh_from_db()
    assert visit.invited_at is None


def test_employees_are_not_visitors(desk, host):
    """An employee's address plans for a new visitor: only visitors are reused."""
    response = desk.post(PLAN, plan_data(email=host.email, name="Hedy As Guest"))

    assert response.status_code == 302
    assert Visit.objects.get().visitor.name == "Hedy As Guest"
    assert Employee.objects.count() == 1
