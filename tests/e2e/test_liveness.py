"""The liveness challenge at the front desk, through Chromium's fake camera: a capture is a burst
of frames; a live head turning passes, a photo held up and tilted does not, and under
IMAGESIFT_LIVENESS=required the card says the person is not admitted, and why."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from accounts.roles import Role
from recognition.models import Verification
from tests.e2e.conftest import (
    chromium_with_camera,
    save_screenshot,
    sign_in_to_frontdesk,
    write_y4m_frames,
)
from tests.factories import enroll, make_employee
from tests.spoofs import held_picture, video_frames

pytestmark = pytest.mark.django_db(transaction=True)

HELD_PERSON = "Jackie_Chan"


@pytest.fixture(scope="module")
def live_camera(tmp_path_factory) -> Path:
    """Two seconds of the performer alone on stage, turning his head (30 fps, looped)."""
    clip = Path(settings.IMAGESIFT_LIVENESS_DIR) / "live" / "hamilton_short.mp4"
    target = tmp_path_factory.mktemp("live") / "live.y4m"
    write_y4m_frames(video_frames(clip)[105:165], target, width=640, height=360, fps=30)
    return target


@pytest.fixture(scope="module")
def held_photo_camera(faces, tmp_path_factory) -> Path:
    """An enrolled person's photo, held up to the camera and tilted back and forth."""
    frames = held_picture(Image.open(faces.of(HELD_PERSON)[3]), 20, seed=5)
    target = tmp_path_factory.mktemp("held") / "held.y4m"
    write_y4m_frames(frames, target, fps=7)
    return target


@pytest.fixture
def capture_burst(playwright_driver, live_server, user_with_role):
    """Opens the desk with a given .y4m as the camera, starts it and captures: the page."""
    user = user_with_role(Role.FRONT_DESK, username="desk")
    with ExitStack() as opened:

        def capture(video: Path):
            browser = opened.enter_context(chromium_with_camera(playwright_driver, video))
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            sign_in_to_frontdesk(page, live_server, user)
            page.get_by_test_id("camera-toggle").click()
            page.wait_for_function(
                "() => document.querySelector('[data-testid=camera-video]').videoWidth > 0"
            )
            page.get_by_role("button", name="Capture and verify").click()
            expect(page.get_by_test_id("status")).to_contain_text("turn your head")
            return page

        yield capture


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
