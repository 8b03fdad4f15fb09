"""The unattended kiosk through Chromium's fake camera, opened from the front desk: a tap takes
the burst while the head turns; the live performer is welcomed by first name, a photo held up
to the camera is sent to reception; the answer goes back to ready after a few seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.roles import Role
from recognition.models import Verification
from tests.e2e.conftest import HELD_PERSON, save_screenshot
from tests.factories import enroll, make_employee
from tests.spoofs import video_frames

pytestmark = pytest.mark.django_db(transaction=True)

# The cameras of the front desk's liveness tests, played here as they are: the performer turning
# his head (frames 105-164 of the clip, looped), and an enrolled person's photo held up.

# Frames of the performer just before and after the camera's loop (frames 105-164 of the clip):
# with these, every frame the loop plays matches him with room to spare (similarity 49 or more).
PERFORMER_FRAMES = (100, 103, 166, 170, 185)


@pytest.fixture
def performer(tmp_path):
    """The live clip's performer, enrolled from frames the camera does not play."""
    frames = video_frames(Path(settings.IMAGESIFT_LIVENESS_DIR) / "live" / "hamilton_short.mp4")
    paths = []
    for number in PERFORMER_FRAMES:
        paths.append(tmp_path / f"performer-{number}.jpg")
        frames[number].save(paths[-1], quality=92)
    return enroll(make_employee("Alexander Hamilton"), *paths)[0].person


@pytest.fixture
def open_kiosk(desk_with_camera, live_server, user_with_role):
    """Signs in at the front desk with a given .y4m as the camera and follows its link to the
    kiosk, ready for a tap: the page."""
    user = user_with_role(Role.FRONT_DESK, username="door-tablet")

    def kiosk(video: Path):
        page = desk_with_camera(user, video, viewport={"width": 1024, "height": 768})
        page.get_by_test_id("kiosk-link").click()
        expect(page).to_have_url(f"{live_server.url}/kiosk/")
        expect(page.locator("#kiosk")).to_have_attribute("data-state", "ready")
        expect(page.get_by_test_id("kiosk-prompt")).to_have_text(
            "Look at the camera, then turn your head slowly"
        )
        save_screenshot(page, "kiosk-ready")
        return page

    return kiosk


def test_a_live_enrolled_person_is_welcomed_then_the_kiosk_is_ready_again(
    open_kiosk, live_camera, performer
):
    page = open_kiosk(live_camera)

    page.get_by_role("button", name="Start").click()

    expect(page.get_by_test_id("kiosk-prompt")).to_contain_text("Turn your head slowly")
    expect(page.get_by_test_id("kiosk-headline")).to_have_text("Welcome, Alexander")
    expect(page.get_by_test_id("kiosk-result")).to_have_attribute("data-admitted", "true")
    save_screenshot(page, "kiosk-welcome")
    verification = Verification.objects.get()
    assert verification.channel == Verification.Channel.KIOSK
    assert (verification.decision, verification.liveness) == ("employee", "passed")
    assert verification.person_id == performer.pk
    # About six seconds later, ready for the next person.
    expect(page.get_by_test_id("kiosk-result")).to_be_hidden(timeout=10_000)
    expect(page.locator("#kiosk")).to_have_attribute("data-state", "ready")


def test_a_held_up_photo_is_sent_to_reception(open_kiosk, held_photo_camera, faces):
    enroll(make_employee("Jackie Chan"), *faces.of(HELD_PERSON)[:3])
    page = open_kiosk(held_photo_camera)

    page.get_by_test_id("kiosk-video").click()  # a tap anywhere starts it

    expect(page.get_by_test_id("kiosk-headline")).to_have_text("Please see reception")
    expect(page.get_by_test_id("kiosk-message")).to_contain_text("could not confirm a live face")
    expect(page.get_by_test_id("kiosk-result")).to_have_attribute("data-admitted", "false")
    expect(page.get_by_test_id("kiosk-result")).not_to_contain_text("Jackie")
    save_screenshot(page, "kiosk-see-reception")
    verification = Verification.objects.get()
    assert verification.channel == Verification.Channel.KIOSK
    assert verification.decision == Verification.Decision.LIVENESS_FAILED
