"""The liveness challenge through `POST /api/v1/verifications/`: a burst of `frames` is checked,
the result recorded on the verification, and under IMAGESIFT_LIVENESS=required nobody is
admitted without a passed check."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from recognition.models import Verification
from tests.spoofs import held_picture, live_bursts
from tests.uploads import upload

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/verifications/"
LIVE_BURST = 8  # the performer alone on stage (as in tests/vision/test_liveness.py)


def jpeg(frame: Image.Image) -> bytes:
    encoded = io.BytesIO()
    frame.convert("RGB").save(encoded, "JPEG", quality=90)
    return encoded.getvalue()


def post_frames(client, frames: list[Image.Image], **fields):
    files = [upload(jpeg(frame), f"frame-{n}.jpg") for n, frame in enumerate(frames)]
    return client.post(URL, {"frames": files, **fields}, format="multipart")


@pytest.fixture(scope="module")
def live_burst() -> list[Image.Image]:
    video = Path(settings.IMAGESIFT_LIVENESS_DIR) / "live" / "hamilton_short.mp4"
    return live_bursts(video)[LIVE_BURST]


@pytest.fixture
def held_employee_photo(faces, employee) -> list[Image.Image]:
    """The enrolled employee's photo, held up to the camera and tilted."""
    return held_picture(Image.open(faces.of("Jackie_Chan")[3]), 20, seed=3)


def test_a_live_burst_passes_and_its_middle_frame_is_the_probe(front_desk, live_burst):
    response = post_frames(front_desk, live_burst)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["liveness"], body["liveness_reason"]) == ("passed", "")
    assert body["liveness_parallax"] >= 0.05
    assert body["decision"] == "unknown"  # nobody enrolled is on stage
    probe = Verification.objects.get().probe_image.read()
    assert Image.open(io.BytesIO(probe)).size == live_burst[5].size


def test_advisory_records_a_flat_picture_and_decides_as_before(
    settings, front_desk, held_employee_photo
):
    settings.IMAGESIFT_LIVENESS = "advisory"

    body = post_frames(front_desk, held_employee_photo).json()

    assert body["decision"] == "employee"
    assert body["liveness"] == "failed"
    assert body["liveness_reason"] in {
        "the face moved like a flat picture",
        "the head did not turn",
    }


def test_required_admits_nobody_on_a_flat_picture(settings, front_desk, held_employee_photo):
    settings.IMAGESIFT_LIVENESS = "required"

    body = post_frames(front_desk, held_employee_photo).json()

    assert body["decision"] == "liveness_failed"
    assert body["reason"].startswith("liveness check required: ")
    assert body["person"]["name"] == "Jackie Chan"  # who it looked like stays on record
    assert body["liveness"] == "failed"


def test_required_admits_nobody_on_a_single_image(settings, front_desk, employee, probe):
    settings.IMAGESIFT_LIVENESS = "required"

    body = front_desk.post(URL, {"image": upload(probe)}, format="multipart").json()

    assert body["decision"] == "liveness_failed"
    assert body["reason"] == "liveness check required: no burst of frames was sent"
    assert body["liveness"] == "not_checked"


def test_a_single_image_is_not_checked_under_advisory(front_desk, employee, probe):
    body = front_desk.post(URL, {"image": upload(probe)}, format="multipart").json()

    assert (body["decision"], body["liveness"]) == ("employee", "not_checked")


def test_off_never_checks(settings, front_desk, live_burst):
    settings.IMAGESIFT_LIVENESS = "off"

    assert post_frames(front_desk, live_burst).json()["liveness"] == "not_checked"


def test_a_bad_frame_is_400_naming_it_and_nothing_is_recorded(front_desk, live_burst):
    files = [upload(jpeg(frame)) for frame in live_burst[:5]]
    files[2] = upload(b"not an image")

    response = front_desk.post(URL, {"frames": files}, format="multipart")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("frame 3: ")
    assert not Verification.objects.exists()


def test_neither_image_nor_frames_is_400(front_desk):
    response = front_desk.post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert "image" in response.json()["errors"]
    assert not Verification.objects.exists()


def test_frames_that_are_not_files_are_400_with_each_position_named(front_desk):
    response = front_desk.post(URL, {"frames": ["a", "b"]}, format="multipart")

    assert response.status_code == 400
    messages = response.json()["errors"]["frames"]
    assert [message.split(":")[0] for message in messages] == ["0", "1"]
    assert all("not a file" in message for message in messages)
