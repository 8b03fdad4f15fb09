"""The liveness challenge at the front desk, through Chromium's fake camera: a capture is a burst
of frames; a live head turning passes, a photo held up and tilted does not, and under
IMAGESIFT_LIVENESS=required the card says the person is not admitted, and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from recognition.models import Verification
from tests.e2e.conftest import HELD_PERSON, save_screenshot
from tests.factories import enroll, make_employee

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def capture_burst(desk_with_camera, user_with_role):
    """Opens the desk with a given .y4m as the camera, starts it and captures: the page."""
    user = user_with_role(Role.FRONT_DESK, username="desk")

    def capture(video: Path):
        page = desk_with_camera(user, video, viewport={"width": 1280, "height": 900})
        page.get_by_test_id("camera-toggle").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=camera-video]').videoWidth > 0"
        )
        page.get_by_role("button", name="Capture and verify").click()
        expect(page.get_by_test_id("status")).to_contain_text("turn your head")
        return page

    return capture


def test_a_live_head_turning_passes(capture_burst, live_camera):
    page = capture_burst(live_camera)

    expect(page.get_by_test_id("fact-liveness")).to_have_text("Passed")
    save_screenshot(page, "frontdesk-liveness-passed")
    verification = Verification.objects.get()
    assert verification.liveness == "passed"
    assert verification.liveness_parallax >= 0.05


def test_a_held_photo_is_not_admitted_when_liveness_is_required(
    capture_burst, held_photo_camera, faces, settings
):
    settings.IMAGESIFT_LIVENESS = "required"
    enroll(make_employee("Jackie Chan"), *faces.of(HELD_PERSON)[:3])

    page = capture_burst(held_photo_camera)

    banner = page.get_by_test_id("liveness-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Not admitted")
    expect(page.get_by_test_id("result-decision")).to_have_text("NOT ADMITTED: LIVENESS")
    expect(page.get_by_test_id("fact-liveness")).to_contain_text("Failed: ")
    save_screenshot(page, "frontdesk-liveness-failed")
    verification = Verification.objects.get()
    assert verification.decision == Verification.Decision.LIVENESS_FAILED
    assert verification.liveness == "failed"
    assert verification.person.name == "Jackie Chan"
