"""The pages of visits (visits/views.py): the printable badge, and checking a visitor out from the
on-site list, through Django's test client."""

import re

import pytest
from django.utils import timezone

from accounts.roles import Role
from tests.factories import enroll, make_visitor
from visits import services
from visits.models import Visit

pytestmark = pytest.mark.django_db


def badge_url(visit: Visit) -> str:
    return f"/visits/{visit.pk}/badge/"


def check_out_url(visit: Visit) -> str:
    return f"/visits/{visit.pk}/check-out/"


@pytest.fixture
def checked_in(visitor) -> Visit:
    """John's visit, checked in at the desk: badge V<visit id>."""
    return services.visit_check_in(visit=visitor.visits.get())


# --- the badge ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_staff_see_the_badge_of_a_checked_in_visitor(client_as, checked_in, faces, role):
    photo = enroll(checked_in.visitor, faces.of(faces.people_with(1)[0])[0])[0]

    response = client_as(role).get(badge_url(checked_in))

    assert response.status_code == 200
    assert response.templates[0].name == "visits/badge.html"
    page = response.content.decode()
    assert re.search(r'data-testid="badge-name">John Schneider<', page)
    assert re.search(r'data-testid="badge-company">Acme<', page)
    assert re.search(r'data-testid="badge-host">Hedy Lamarr<', page)
    assert re.search(r'data-testid="badge-number">V\d{6}<', page)
    assert checked_in.badge_number == f"V{checked_in.pk:06d}"
    assert checked_in.badge_number in page
    ends = timezone.localtime(checked_in.ends_at)
    assert f"{ends:%a} {ends.day} {ends:%b %Y, %H:%M}" in page  # valid until, local time
    assert f'src="/photos/{photo.pk}/"' in page
    assert re.search(r'data-testid="badge-qr"[^>]*><svg [^>]*class="segno"', page)
    assert "<script>" not in page  # the Print button is static/visits/badge.js (CSP)
    assert "visits/badge.js" in page and "visits/badge.css" in page


def test_a_badge_without_a_host_or_photo_still_prints(client_as, db):
    visitor = make_visitor("Walk In", status=Visit.Status.CHECKED_IN)
    visit = visitor.visits.get()

    response = client_as(Role.FRONT_DESK).get(badge_url(visit))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="badge-no-photo"' in page
    assert re.search(r'data-testid="badge-host">\u2014<', page)
    assert 'data-testid="badge-company"' not in page


@pytest.mark.parametrize(
    "status", [Visit.Status.EXPECTED, Visit.Status.CHECKED_OUT, Visit.Status.CANCELLED]
)
def test_no_badge_for_a_visit_that_is_not_checked_in(client_as, host, status):
    visit = make_visitor("Not Here", host=host, status=status).visits.get()

    response = client_as(Role.FRONT_DESK).get(badge_url(visit))

    assert response.status_code == 403


def test_an_api_client_may_not_open_a_badge(client_as, checked_in):
    assert client_as(Role.API_CLIENT).get(badge_url(checked_in)).status_code == 403
    assert client_as(None).get(badge_url(checked_in)).status_code == 403


def test_the_badge_needs_a_sign_in(client, checked_in):
    response = client.get(badge_url(checked_in))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={badge_url(checked_in)}"


def test_no_badge_for_a_visit_that_does_not_exist(client_as, db):
    assert client_as(Role.FRONT_DESK).get("/visits/999999/badge/").status_code == 404


# --- check-out from the on-site list --------------------------------------------------------
def test_the_on_site_list_links_the_badge_and_offers_check_out(client_as, checked_in):
    response = client_as(Role.FRONT_DESK).get("/on-site/")

    page = response.content.decode()
    assert (
        f'href="{badge_url(checked_in)}" data-testid="badge-link">{checked_in.badge_number}<'
        in (page)
    )
    assert f'action="{check_out_url(checked_in)}"' in page


def test_checking_out_from_the_on_site_page_takes_the_visitor_off_the_list(client_as, checked_in):
    desk = client_as(Role.FRONT_DESK)

    response = desk.post(check_out_url(checked_in), follow=True)

    assert response.redirect_chain == [("/on-site/", 302)]
    page = response.content.decode()
    assert re.search(r'class="message message-success"[^>]*>John Schneider is checked out\.<', page)
    assert 'data-testid="no-visitors"' in page
    checked_in.refresh_from_db()
    assert checked_in.status == Visit.Status.CHECKED_OUT
    assert checked_in.checked_out_by_name == "user-front_desk"
    assert checked_in.checked_out_at is not None


def test_checking_out_twice_says_why_and_changes_nothing(client_as, checked_in):
    desk = client_as(Role.FRONT_DESK)
    desk.post(check_out_url(checked_in), follow=True)  # the first message is shown
    checked_in.refresh_from_db()
    first_check_out = checked_in.checked_out_at

    response = desk.post(check_out_url(checked_in), follow=True)

    assert response.redirect_chain == [("/on-site/", 302)]
    page = response.content.decode()
    assert re.search(
        r'class="message message-error"[^>]*>Only a checked-in visitor can be checked out; '
        r"this one is checked out\.<",
        page,
    )
    assert "message-success" not in page
    checked_in.refresh_from_db()
    assert checked_in.status == Visit.Status.CHECKED_OUT
    assert checked_in.checked_out_at == first_check_out


def test_a_visit_still_expected_cannot_be_checked_out(client_as, visitor):
    visit = visitor.visits.get()

    response = client_as(Role.FRONT_DESK).post(check_out_url(visit), follow=True)

    assert "this one is expected." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.EXPECTED


@pytest.mark.parametrize("role", [None, Role.API_CLIENT])
def test_only_staff_check_out_from_the_page(client_as, checked_in, role):
    assert client_as(role).post(check_out_url(checked_in)).status_code == 403
    checked_in.refresh_from_db()
    assert checked_in.status == Visit.Status.CHECKED_IN


def test_check_out_is_a_post_behind_the_sign_in(client, client_as, checked_in):
    response = client.post(check_out_url(checked_in))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client_as(Role.FRONT_DESK).get(check_out_url(checked_in)).status_code == 405
    checked_in.refresh_from_db()
    assert checked_in.status == Visit.Status.CHECKED_IN
