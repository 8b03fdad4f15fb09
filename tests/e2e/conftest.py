"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Chromium's fake camera plays a YUV4MPEG2 video built from one of the shared photos, so the
webcam path runs for real: getUserMedia, a live <video>, a canvas capture, a JPEG upload.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from accounts.roles import Role
from tests.spoofs import held_picture, video_frames

# Playwright's sync API runs an event loop in this thread; Django would refuse DB access from
# it. The test code itself is synchronous, so the check does not apply here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "pw-12345678"
# The person the fake camera shows: photos 1-3 get enrolled, the camera plays photo 4.
WEBCAM_PERSON = "Jackie_Chan"


@dataclass(frozen=True)
class WebcamFeed:
    person: str
    enrolment_photos: list[Path]
    video: Path


def write_y4m(photo: Path, target: Path, *, width: int = 640, height: int = 480, frames: int = 5):
    """A short YUV4MPEG2 (4:2:0) video of a photo, scaled and centred on a dark frame."""
    write_y4m_frames([Image.open(photo)] * frames, target, width=width, height=height)


def write_y4m_frames(
    pictures: list[Image.Image],
    target: Path,
    *,
    width: int = 640,
    height: int = 480,
    fps: int = 15,
) -> None:
    """A YUV4MPEG2 (4:2:0) video of pictures, each scaled and centred on a dark frame: what
    Chromium's fake camera plays, in a loop."""
    with target.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for picture in pictures:
            picture = picture.convert("RGB")
            scale = min(width / picture.width, height / picture.height)
            picture = picture.resize((round(picture.width * scale), round(picture.height * scale)))
            frame = Image.new("RGB", (width, height), (32, 36, 44))
            frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
            planes = np.asarray(frame.convert("YCbCr"), dtype=np.float32)
            luma = planes[:, :, 0].astype(np.uint8)
            # 4:2:0 chroma: the mean of each 2x2 block.
            chroma = [
                planes[:, :, channel]
                .reshape(height // 2, 2, width // 2, 2)
                .mean(axis=(1, 3))
                .round()
                .astype(np.uint8)
                for channel in (1, 2)
            ]
            video.write(b"FRAME\n")
            video.write(luma.tobytes() + chroma[0].tobytes() + chroma[1].tobytes())


@pytest.fixture(scope="session")
def webcam_feed(faces, tmp_path_factory) -> WebcamFeed:
    photos = faces.of(WEBCAM_PERSON)
    video = tmp_path_factory.mktemp("webcam") / "camera.y4m"
    write_y4m(photos[3], video)
    return WebcamFeed(person=WEBCAM_PERSON, enrolment_photos=photos[:3], video=video)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip(f"Browser tests need Debian's chromium at {CHROMIUM}; it is not installed.")
    with sync_playwright() as playwright:
        yield playwright


@contextmanager
def chromium_with_camera(playwright, video: Path) -> Iterator:
    """Debian's chromium, headless, whose fake camera plays `video` (a .y4m, in a loop)."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        yield browser
    finally:
        browser.close()


HELD_PERSON = "Jackie_Chan"  # whose photo `held_photo_camera` holds up


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
def desk_with_camera(playwright_driver, live_server):
    """A factory: the front desk, signed in as `user` in its own Chromium whose camera plays
    `video` (closed after the test): the page."""
    with ExitStack() as opened:

        def open_desk(user, video: Path, *, viewport: dict[str, int]):
            browser = opened.enter_context(chromium_with_camera(playwright_driver, video))
            page = browser.new_context(viewport=viewport).new_page()
            return sign_in_to_frontdesk(page, live_server, user)

        yield open_desk


@pytest.fixture(scope="session")
def browser(playwright_driver, webcam_feed: WebcamFeed) -> Iterator:
    with chromium_with_camera(playwright_driver, webcam_feed.video) as browser:
        yield browser


# The first verification in a process loads the face models, and CI machines are busy: give
# answers time to arrive (a wrong answer still fails at once).
expect.set_options(timeout=30_000)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def frontdesk_page(page, live_server, user_with_role):
    """The front desk, signed in through the real login form as a front-desk user."""
    return sign_in_to_frontdesk(page, live_server, user_with_role(Role.FRONT_DESK, username="desk"))


def sign_in_to_frontdesk(page, live_server, user):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("user-name")).to_have_text(user.username)
    # The page's script is deferred: a file chosen before it has run would go unnoticed.
    expect(page.locator("#frontdesk")).to_have_attribute("data-ready", "true")
    page.user = user
    return page


def drop(page, path: Path) -> None:
    """Drag a file from the desktop onto the drop zone."""
    transfer = page.evaluate_handle(
        """([name, base64]) => {
            const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
            return transfer;
        }""",
        [path.name, base64.b64encode(path.read_bytes()).decode()],
    )
    page.get_by_test_id("dropzone").dispatch_event("drop", {"dataTransfer": transfer})


def save_screenshot(page, name: str) -> None:
    """Keep a full-page screenshot when IMAGESIFT_SCREENSHOT_DIR says where."""
    folder = os.environ.get("IMAGESIFT_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
