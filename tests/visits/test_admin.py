"""Visits in the admin, as a signed-in superuser and the front desk use them: planning through
the services, the list's actions, and a visitor's visits on their page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from notifications.models import Notification
from tests.factories import make_visitor
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)

VISITS = "/admin/visits/visit/"


def visit_form(visitor, host, *, hours: float = 2, **fields) -> dict:
    start = timezone.localtime() + timedelta(hours=1)
    end = start + timedelta(hours=hours)
    return {
        "visitor": visitor.pk,
        "host": host.pk,
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%Y-%m-%d"),
        "ends_at_1": end.strftime("%H:%M:%S"),
        "purpose": "Audit",
        **fields,
    }


def test_the_admin_plans_a_visit_through_the_service(admin, visitor, host):
    response = admin.post(f"{VISITS}add/", visit_form(visitor, host))

    assert response.status_code == 302, response.content.decode()[:2000]
    planned = Visit.objects.get(purpose="Audit")
    assert (planned.visitor, planned.host, planned.status) == (visitor, host, "expected")
    assert planned.created_by_name == "root"


def test_a_window_that_ends_first_is_refused_and_nothing_is_written(admin, visitor, host):
    response = admin.post(f"{VISITS}add/", visit_form(visitor, host, hours=-2))

    assert response.status_code == 200
    assert "The visit must end after it starts." in response.content.decode()
    assert visitor.visits.count() == 1


def test_the_actions_check_in_out_cancel_and_invite_saying_what_was_refused(
    client, user_with_role, visitor, host, smtp_inbox
):
    desk_user = user_with_role(Role.FRONT_DESK)
    desk_user.is_staff = True  # the admin's door is open to the front desk
    desk_user.save(update_fields=["is_staff"])
    client.force_login(desk_user)
    desk = client
    visit = visitor.visits.get()
    other = make_visitor("Courier", host=host).visits.get()

    def act(action: str, *visits: Visit) -> str:
        response = desk.post(
            VISITS,
            {"action": action, "_selected_action": [v.pk for v in visits]},
            follow=True,
        )
        assert response.status_code == 200
        return response.content.decode()

    page = act("check_in", visit)
    assert "1 visit(s) checked in." in page
    page = act("check_in", visit, other)
    assert "this one is checked in" in page and "1 visit(s) checked in." in page
    assert act("check_out", visit).count("1 visit(s) checked out.") == 1
    page = act("cancel", visit)
    assert "Only a visit still to come can be cancelled" in page
    page = act("invite", visit)
    assert "Only a visit still to come can be invited" in page
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_OUT
    host_emails = [message for message in smtp_inbox if message["To"] == host.email]
    assert len(host_emails) == 2  # one per check-in
    assert not Notification.objects.filter(event="visit.invited").exists()


def test_a_visitors_page_lists_their_visits(admin, visitor):
    page = admin.get(f"/admin/accounts/visitor/{visitor.pk}/change/").content.decode()

    visit = visitor.visits.get()
    assert "Visits" in page and f"/admin/visits/visit/{visit.pk}/change/" in page
    assert "Expected" in page


def test_the_visit_list_links_the_badge_of_a_checked_in_visitor(admin, host):
    visit = make_visitor("On Site", host=host, status=Visit.Status.CHECKED_IN).visits.get()

    page = admin.get(VISITS).content.decode()

    assert f'href="/visits/{visit.pk}/badge/"' in page and visit.badge_number in page
