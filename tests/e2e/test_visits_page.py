"""The visits pages in a real browser: the front desk plans a visit with an invitation through
the form (a mistake first, shown by its field), sees it in the list as invited, and the
visitor's email arrives (a real SMTP server)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.factories import make_employee
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_desk_plans_a_visit_with_an_invitation(frontdesk_page, live_server, smtp_inbox):
    page = frontdesk_page
    host = make_employee("Hedy Lamarr", email="hedy@example.com")
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    starts_at = timezone.localtime() + timedelta(days=1)
    starts_at = starts_at.replace(hour=10, minute=0, second=0, microsecond=0)

    page.get_by_role("link", name="Visits").click()
    expect(page).to_have_url(f"{live_server.url}/visits/")
    expect(page.get_by_test_id("no-visits")).to_be_visible()
    page.get_by_test_id("plan-visit").click()
    expect(page.get_by_role("heading", name="Plan a visit")).to_be_visible()

    page.get_by_label("Visitor's name").fill("Jackie Chan")
    page.get_by_label("Email", exact=True).fill("jackie@example.com")
    page.get_by_label("Company").fill("JC Group")
    page.get_by_label("Host").select_option(label="Hedy Lamarr")
    page.get_by_label("Starts at").fill(starts_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends at").fill((starts_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Purpose").fill("Stunt rehearsal")
    page.get_by_label("Email an invitation").check()
    page.get_by_test_id("plan-submit").click()

    expect(page.get_by_test_id("form-errors")).to_be_visible()
    ends_at = page.get_by_label("Ends at")
    expect(ends_at).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_ends_at_error")).to_have_text("The visit must end after it starts.")
    expect(page.get_by_label("Visitor's name")).to_have_value("Jackie Chan")  # kept
    save_screenshot(page, "visits-plan-error")
    assert not Visit.objects.exists() and smtp_inbox == []

    ends_at.fill((starts_at + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("plan-submit").click()

    expect(page).to_have_url(f"{live_server.url}/visits/")
    expect(page.get_by_test_id("messages")).to_contain_text(
        "Visit of Jackie Chan planned for "
        f"{starts_at:%a} {starts_at.day} {starts_at:%b %Y, 10:00}; "
        "an invitation is emailed to jackie@example.com."
    )
    visit = Visit.objects.get()
    row = page.locator(f'[data-testid="visit-row"][data-visit="{visit.pk}"]')
    expect(row).to_contain_text("Jackie Chan")
    expect(row).to_contain_text("JC Group")
    expect(row).to_contain_text("Hedy Lamarr")
    expect(row).to_contain_text("10:00")
    expect(row.get_by_test_id("visit-status")).to_have_text("Invited")
    expect(row.get_by_role("button", name="Send invitation again to Jackie Chan")).to_be_visible()
    expect(row.get_by_role("button", name="Cancel the visit of Jackie Chan")).to_be_visible()
    save_screenshot(page, "visits-list")

    assert (visit.host, visit.status, visit.created_by_name) == (host, "invited", "desk")
    [email] = smtp_inbox
    assert email["To"] == "jackie@example.com"
    assert "/invite/" in email.get_payload(decode=True).decode()
    assert csp_violations == []
