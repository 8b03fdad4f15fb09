"""The front desk on an upright tablet (768x1024): the answer shows without any scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from tests.e2e.conftest import drop, save_screenshot
from tests.factories import enroll, make_employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}

# The page brings the answer into view itself (`scrollIntoView`, for phones): kept from doing so
# here, the layout alone has to show it.
NO_SCROLLING_INTO_VIEW = """
    window.scrolledIntoView = 0;
    Element.prototype.scrollIntoView = function () { window.scrolledIntoView += 1; };
"""


def open_desk(desk_with_camera, user_with_role, webcam_feed, viewport: dict[str, int]):
    """The front desk at `viewport`, noting any Content Security Policy violation."""
    page = desk_with_camera(
        user_with_role(Role.FRONT_DESK, username="desk"), webcam_feed.video, viewport=viewport
    )
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def within_viewport(page, test_id: str) -> bool:
    box = page.get_by_test_id(test_id).bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def capture_and_answer(page) -> tuple[dict, dict]:
    """Where the capture card and the answer card are on the page (not in the viewport, which
    may be scrolling meanwhile), in one look."""
    return page.evaluate(
        """() => [".capture", ".result-panel"].map((selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return { left: box.left + scrollX, top: box.top + scrollY,
                     right: box.right + scrollX, bottom: box.bottom + scrollY };
        })"""
    )


def test_on_an_upright_tablet_the_decision_shows_without_scrolling(
    desk_with_camera, user_with_role, webcam_feed, faces
):
    page = open_desk(desk_with_camera, user_with_role, webcam_feed, TABLET)
    page.evaluate(NO_SCROLLING_INTO_VIEW)
    folder = "Lindsay_Davenport"
    denied = make_employee("Lindsay Davenport", denied=True, denied_reason="Badge revoked")
    enroll(denied, *faces.of(folder)[:3])
    # The photo is dropped where the tablet shows the drop zone: no scrolling to reach it.
    assert within_viewport(page, "dropzone")

    drop(page, faces.of(folder)[3])

    expect(page.get_by_test_id("result-decision")).to_have_text("DENIED")
    expect(page.get_by_test_id("result-name")).to_have_text(denied.name)
    expect(page.get_by_test_id("denied-banner")).to_be_visible()
    save_screenshot(page, "frontdesk-tablet")
    assert page.evaluate("window.scrolledIntoView") >= 1  # the page asked, in vain
    assert page.evaluate("window.scrollY") == 0
    for test_id in ("denied-banner", "result-decision", "result-name"):
        assert within_viewport(page, test_id), test_id
    # Side by side, not stacked: the answer beside the camera, today's decisions below both.
    capture, answer = capture_and_answer(page)
    assert answer["left"] >= capture["right"] and answer["top"] < capture["bottom"]
    assert page.csp_violations == []


def test_on_a_phone_the_page_brings_the_decision_into_view(
    desk_with_camera, user_with_role, webcam_feed, faces
):
    """One column on a phone: the answer is below the capture, and the page scrolls to it."""
    page = open_desk(desk_with_camera, user_with_role, webcam_feed, PHONE)
    folder = "Venus_Williams"
    employee = make_employee("Venus Williams")
    enroll(employee, *faces.of(folder)[:3])

    drop(page, faces.of(folder)[4])

    expect(page.get_by_test_id("result-decision")).to_have_text("Employee")
    capture, answer = capture_and_answer(page)
    assert answer["top"] >= capture["bottom"]  # stacked
    page.wait_for_function("() => window.scrollY > 0")  # smoothly, into view
    expect(page.get_by_test_id("result-decision")).to_be_in_viewport(ratio=1)
    save_screenshot(page, "frontdesk-phone")
    assert page.csp_violations == []
