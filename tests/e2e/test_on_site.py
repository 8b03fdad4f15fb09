"""Who is on site in a real browser: a muster started from the page, a verification at the muster
point, the roll call on reload, and the page as it prints."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.factories import enroll, make_employee, make_visitor, verify
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FACE = "Venus_Williams"


def row(page, person):
    return page.locator(f'[data-testid="on-site-person"][data-person="{person.pk}"]')


def test_a_muster_accounts_for_who_is_verified_and_prints_as_a_roll_call(
    frontdesk_page, live_server, faces
):
    page = frontdesk_page
    employee = make_employee(FACE.replace("_", " "), department="Tennis")
    enroll(employee, *faces.of(FACE)[:3])
    verify(faces.of(FACE)[3], "kiosk")  # arrived this morning
    visitor = make_visitor("Walk In", company="Acme", host=employee, status=Visit.Status.CHECKED_IN)
    visit = visitor.visits.get()

    page.get_by_role("link", name="On site").click()
    expect(page).to_have_url(f"{live_server.url}/on-site/")
    expect(page.get_by_role("heading", name="Who is on site")).to_be_visible()
    expect(row(page, employee)).to_contain_text("Tennis")
    expect(row(page, visitor)).to_contain_text("Acme")
    expect(row(page, visitor).get_by_test_id("badge-link")).to_have_text(visit.badge_number)

    page.get_by_test_id("muster-start").click()
    expect(page.get_by_role("heading", name="Evacuation roll call")).to_be_visible()
    expect(page.get_by_test_id("muster-state")).to_contain_text(f"by {page.user.username}")
    expect(page.get_by_test_id("missing-count")).to_have_text("2")

    assert verify(faces.of(FACE)[4]).decision == "employee"  # at the muster point
    page.reload()

    expect(row(page, employee)).to_have_attribute("data-accounted", "true")
    expect(row(page, employee)).to_contain_text("Accounted for")
    expect(row(page, visitor)).to_have_attribute("data-accounted", "false")
    expect(row(page, visitor)).to_contain_text("Missing")
    expect(page.get_by_test_id("accounted-count")).to_have_text("1")
    expect(page.get_by_test_id("missing-count")).to_have_text("1")
    expect(page.get_by_test_id("muster-end")).to_be_visible()
    expect(page.locator("td.tick").first).to_be_hidden()

    page.emulate_media(media="print")
    save_screenshot(page, "on-site-print")

    expect(page.get_by_test_id("muster-end")).to_be_hidden()
    expect(page.get_by_test_id("muster-start")).to_be_hidden()
    expect(page.get_by_test_id("check-out").first).to_be_hidden()
    expect(page.get_by_test_id("site-header")).to_be_hidden()
    expect(page.get_by_test_id("roll-call")).to_be_visible()
    expect(page.get_by_test_id("on-site-employees")).to_be_visible()
    expect(page.locator("td.tick").first).to_be_visible()
    expect(page.get_by_test_id("on-site-time")).to_be_visible()

    page.emulate_media(media="screen")
    page.get_by_test_id("muster-end").click()
    expect(page.get_by_role("heading", name="Who is on site")).to_be_visible()
    expect(page.get_by_test_id("muster-start")).to_be_visible()
