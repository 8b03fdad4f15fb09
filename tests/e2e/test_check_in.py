"""A visitor's stay in a real browser: verified by the desk's webcam, checked in from the card
(the host gets an email through a real SMTP server), their badge opened and printed, then
checked out from the on-site list."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.factories import enroll, make_employee, make_visitor
from visits import services
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One A6 page, in PDF points (72 to the inch): 105 x 148 mm.
A6_POINTS = (105 / 25.4 * 72, 148 / 25.4 * 72)
WARN_COLOUR = "rgb(154, 91, 0)"  # --warn in static/imagesift/base.css


def capture(page) -> None:
    """Verify the face the fake camera shows."""
    if page.get_by_test_id("camera-toggle").text_content() == "Start camera":
        page.get_by_test_id("camera-toggle").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=camera-video]').videoWidth > 0"
    )
    page.get_by_role("button", name="Capture and verify").click()


def wait_for_mail(inbox, count: int = 1, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while len(inbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The width and height (points) of each page of a PDF that Chromium printed."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(width), float(height)) for width, height in boxes]


@pytest.fixture
def expected_visitor(webcam_feed):
    """The person the webcam shows, a visitor of Golden Harvest expected by Hannah Host now."""
    host = make_employee("Hannah Host", email="hannah@example.com", department="Stunts")
    visitor = make_visitor(
        webcam_feed.person.replace("_", " "),
        host=host,
        company="Golden Harvest",
        lasts=timedelta(hours=6),
    )
    enroll(visitor, *webcam_feed.enrolment_photos)
    return visitor


def test_a_visitor_is_checked_in_at_the_desk_badged_and_checked_out(
    frontdesk_page, live_server, expected_visitor, smtp_inbox, tmp_path
):
    page = frontdesk_page
    visit = expected_visitor.visits.get()

    capture(page)

    result = page.get_by_test_id("result")
    expect(page.get_by_test_id("result-decision")).to_have_text("Registered visitor")
    expect(page.get_by_test_id("result-name")).to_have_text("Jackie Chan")
    expect(result.get_by_test_id("fact-host")).to_have_text("Hannah Host")
    expect(result.get_by_test_id("fact-visit-status")).to_have_text("Expected")
    expect(result.get_by_test_id("fact-badge")).to_have_count(0)
    expect(page.get_by_test_id("print-badge")).to_be_hidden()
    check_in = page.get_by_test_id("check-in")
    expect(check_in).to_be_visible()
    expect(check_in).to_have_text("Check in")

    check_in.click()

    status = page.get_by_test_id("check-in-status")
    expect(status).to_have_text(re.compile(r"^Checked in at \d\d:\d\d · badge V\d{6}$"))
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_IN
    badge_number = visit.badge_number
    checked_in_at = timezone.localtime(visit.checked_in_at)
    expect(status).to_have_text(f"Checked in at {checked_in_at:%H:%M} · badge {badge_number}")
    expect(check_in).to_be_hidden()
    expect(result.get_by_test_id("fact-visit-status")).to_have_text("Checked in")
    expect(result.get_by_test_id("fact-badge")).to_have_text(badge_number)
    print_badge = page.get_by_test_id("print-badge")
    expect(print_badge).to_be_visible()
    expect(print_badge).to_have_attribute("href", f"/visits/{visit.pk}/badge/")
    save_screenshot(page, "frontdesk-checked-in")
    assert visit.checked_in_by_name == page.user.username
    assert visit.check_in_verification.person_id == expected_visitor.pk

    # The host hears of it by email (the outbox, through a real SMTP server).
    wait_for_mail(smtp_inbox)
    [email] = smtp_inbox
    assert email["To"] == "hannah@example.com"
    assert email["Subject"] == (
        "ImageSift: Jackie Chan (Golden Harvest) checked in to see Hannah Host"
    )

    # The badge opens beside the desk, ready to print.
    with page.context.expect_page() as opened:
        print_badge.click()
    badge = opened.value
    badge.wait_for_load_state()
    expect(badge).to_have_url(f"{live_server.url}/visits/{visit.pk}/badge/")
    expect(badge.get_by_test_id("badge-name")).to_have_text("Jackie Chan")
    expect(badge.get_by_test_id("badge-company")).to_have_text("Golden Harvest")
    expect(badge.get_by_test_id("badge-host")).to_have_text("Hannah Host")
    ends = timezone.localtime(visit.ends_at)
    expect(badge.get_by_test_id("badge-valid-until")).to_have_text(
        f"{ends:%a} {ends.day} {ends:%b %Y, %H:%M}"
    )
    expect(badge.get_by_test_id("badge-number")).to_have_text(badge_number)
    expect(badge.get_by_test_id("badge-qr").locator("svg path")).to_have_count(1)
    photo = badge.get_by_test_id("badge-photo")
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("image => image.naturalWidth") > 0
    screenshot = tmp_path / "badge.png"
    badge.screenshot(path=screenshot, full_page=True)
    print(f"\nThe badge page: {screenshot}")
    save_screenshot(badge, "visit-badge")

    # The Print button prints (static/visits/badge.js: no inline script under the CSP).
    badge.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    badge.get_by_test_id("print-button").click()
    assert badge.evaluate("() => window.printed") == 1
    # Printed, the badge alone fills one A6 page.
    badge.emulate_media(media="print")
    expect(badge.get_by_test_id("print-button")).to_be_hidden()
    expect(badge.get_by_test_id("site-header")).to_be_hidden()
    expect(badge.get_by_test_id("visitor-badge")).to_be_visible()
    printed = tmp_path / "badge.pdf"
    pages = pdf_pages(badge.pdf(path=printed, prefer_css_page_size=True, print_background=True))
    print(f"The badge printed: {printed}")
    assert len(pages) == 1
    assert pages[0] == pytest.approx(A6_POINTS, abs=1)
    badge.close()

    # On site now, with the badge; checked out from the list, and gone from it.
    page.get_by_role("link", name="On site").click()
    expect(page).to_have_url(f"{live_server.url}/on-site/")
    row = page.locator(f'[data-testid="on-site-person"][data-person="{expected_visitor.pk}"]')
    expect(row).to_contain_text("Golden Harvest")
    expect(row).to_contain_text("Hannah Host")
    expect(row.get_by_test_id("badge-link")).to_have_text(badge_number)
    save_screenshot(page, "on-site-checked-in")

    row.get_by_role("button", name="Check out").click()

    expect(page.get_by_test_id("messages")).to_have_text("Jackie Chan is checked out.")
    expect(row).to_have_count(0)
    expect(page.get_by_test_id("no-visitors")).to_be_visible()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_OUT
    assert visit.checked_out_by_name == page.user.username

    # Back at the door later that day: told they already left, in the warning's colour.
    page.get_by_role("link", name="Front desk").click()
    expect(page.locator("#frontdesk")).to_have_attribute("data-ready", "true")
    capture(page)
    decision = page.get_by_test_id("result-decision")
    expect(decision).to_have_text("Visitor already checked out")
    expect(decision).to_have_css("color", WARN_COLOUR)
    expect(result.get_by_test_id("fact-visit-status")).to_have_text("Checked out")
    expect(page.get_by_test_id("check-in-panel")).to_be_hidden()
    expect(page.get_by_test_id("recent-item").first).to_have_attribute(
        "data-decision", "visitor_checked_out"
    )


def test_a_visit_checked_in_meanwhile_is_not_checked_in_twice(
    frontdesk_page, expected_visitor, smtp_inbox
):
    page = frontdesk_page
    visit = expected_visitor.visits.get()
    capture(page)
    expect(page.get_by_test_id("result-decision")).to_have_text("Registered visitor")
    check_in = page.get_by_test_id("check-in")
    expect(check_in).to_be_visible()
    services.visit_check_in(visit=visit)  # by another desk, a moment before this one

    check_in.click()

    status = page.get_by_test_id("check-in-status")
    expect(status).to_have_text(
        "Could not check in: Only an invited or expected visit can be checked in; "
        "this one is checked in."
    )
    expect(status).to_have_css("color", "rgb(194, 26, 26)")  # --danger
    expect(check_in).to_be_enabled()
    expect(page.get_by_test_id("print-badge")).to_be_hidden()
    visit.refresh_from_db()
    assert visit.checked_in_by_name == ""  # the other desk's check-in stands
    wait_for_mail(smtp_inbox)
    assert len(smtp_inbox) == 1

    # Verified again, the card says so and offers the badge instead of the button.
    capture(page)
    expect(page.get_by_test_id("recent-item")).to_have_count(2)
    expect(page.get_by_test_id("result-decision")).to_have_text("Registered visitor")
    expect(status).to_have_text(
        re.compile(rf"^Already checked in at \d\d:\d\d · badge {visit.badge_number}$")
    )
    expect(check_in).to_be_hidden()
    expect(page.get_by_test_id("print-badge")).to_have_attribute(
        "href", f"/visits/{visit.pk}/badge/"
    )
