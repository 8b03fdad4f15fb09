"""The unattended kiosk (`/kiosk/`, `/kiosk/verify/`) through Django's test client, with the real
engine and liveness check on the shared material: who may use it, what the person at the door is
told, and what the audit log records. Also `verification_perform`'s `liveness_policy`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from accounts.roles import Role
from recognition import services
from recognition.models import Verification
from tests.factories import enroll, make_employee, make_visitor
from tests.spoofs import held_picture, live_bursts
from tests.uploads import encode, upload

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/kiosk/"
VERIFY = "/kiosk/verify/"
LIVE_BURST = 8  # frames 120-147 of the clip: the performer alone, turning his head
ENROLMENT_BURSTS = (6, 12)  # frames of the same performer before and after that burst
PERFORMER = "Alexander Hamilton"
SEE_RECEPTION = {
    "decision": "see_reception",
    "admitted": False,
    "headline": "Please see reception",
    "message": "Reception will help you from here.",
}


def jpeg(frame: Image.Image) -> bytes:
    return encode(frame.convert("RGB"), "JPEG", quality=90)


def post_frames(client: Client, frames: list[Image.Image]):
    files = [upload(jpeg(frame), f"frame-{number}.jpg") for number, frame in enumerate(frames)]
    return client.post(VERIFY, {"frames": files})


@pytest.fixture(scope="module")
def clip_bursts() -> list[list[Image.Image]]:
    return live_bursts(Path(settings.IMAGESIFT_LIVENESS_DIR) / "live" / "hamilton_short.mp4")


@pytest.fixture(scope="module")
def live_burst(clip_bursts) -> list[Image.Image]:
    return clip_bursts[LIVE_BURST]


@pytest.fixture
def enrol_performer(clip_bursts, tmp_path):
    """Enrols the performer of the live clip (two frames outside the live burst) as a person
    made by `make`."""

    def enrol(make=make_employee, **fields):
        person = make(PERFORMER, **fields)
        paths = []
        for number in ENROLMENT_BURSTS:
            path = tmp_path / f"performer-{number}.jpg"
            path.write_bytes(jpeg(clip_bursts[number][1]))
            paths.append(path)
        enroll(person, *paths)
        return person

    return enrol


@pytest.fixture
def held_employee_photo(faces, employee) -> list[Image.Image]:
    """The enrolled employee's photo, held up to the camera and tilted."""
    return held_picture(Image.open(faces.of("Jackie_Chan")[3]), 20, seed=3)


@pytest.fixture
def kiosk(client_as) -> Client:
    """A tablet signed in as a front-desk account."""
    return client_as(Role.FRONT_DESK)


# --- who may use it ---------------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_sign_in_and_cannot_verify(client, live_burst):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/kiosk/"
    refused = post_frames(client, live_burst[:5])
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert not Verification.objects.exists()


@pytest.mark.parametrize("role", [None, Role.API_CLIENT])
def test_users_without_a_front_desk_role_are_refused(client_as, role, live_burst):
    client = client_as(role)

    assert client.get(PAGE).status_code == 403
    assert post_frames(client, live_burst[:5]).status_code == 403
    assert not Verification.objects.exists()


def test_the_page_is_the_camera_and_the_prompt_only(kiosk):
    response = kiosk.get(PAGE)

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    page = response.content.decode()
    assert "Look at the camera, then turn your head slowly" in page
    assert 'data-verify-url="/kiosk/verify/"' in page
    for script in ("imagesift/dom.js", "imagesift/burst.js", "kiosk/kiosk.js"):
        assert f'src="/static/{script}"' in page
    # No staff controls: no upload, no decisions, no feedback, no navigation or sign-out.
    for staff_control in ('type="file"', "recent", "feedback", "/accounts/logout/", "/admin/"):
        assert staff_control not in page
    assert "<script>" not in page and "<style" not in page  # CSP: scripts and styles are files


def test_a_verification_needs_the_csrf_token(user_with_role, live_burst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_role(Role.FRONT_DESK))
    token = client.get(PAGE).cookies["csrftoken"].value

    assert post_frames(client, live_burst).status_code == 403
    assert not Verification.objects.exists()
    files = [upload(jpeg(frame)) for frame in live_burst]
    assert client.post(VERIFY, {"frames": files}, HTTP_X_CSRFTOKEN=token).status_code == 200


# --- what the person at the door is told ------------------------------------------------------
def test_a_live_enrolled_person_is_welcomed_by_first_name(kiosk, enrol_performer, live_burst):
    performer = enrol_performer(department="Stage")

    response = post_frames(kiosk, live_burst)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "decision": "employee",
        "admitted": True,
        "headline": "Welcome, Alexander",
        "message": "Please come in.",
    }
    verification = Verification.objects.get()
    assert verification.channel == Verification.Channel.KIOSK
    assert verification.person_id == performer.pk
    assert verification.liveness == Verification.Liveness.PASSED
    assert verification.operator_name == "user-front_desk"


def test_a_held_up_photo_is_not_admitted_even_where_the_desk_is_advisory(
    settings, kiosk, held_employee_photo
):
    settings.IMAGESIFT_LIVENESS = "advisory"  # the desk's policy; the kiosk's is `required`

    body = post_frames(kiosk, held_employee_photo).json()

    assert body == {
        "decision": "liveness_failed",
        "admitted": False,
        "headline": "Please see reception",
        "message": "We could not confirm a live face: please look at the camera and turn your "
        "head slowly, or see reception.",
    }
    verification = Verification.objects.get()
    assert verification.decision == Verification.Decision.LIVENESS_FAILED
    assert verification.channel == Verification.Channel.KIOSK
    assert verification.person.name == "Jackie Chan"  # who it looked like stays on record


def test_the_kiosk_policy_comes_from_its_own_setting(settings, kiosk, held_employee_photo):
    settings.IMAGESIFT_LIVENESS = "required"
    settings.IMAGESIFT_KIOSK_LIVENESS = "advisory"

    body = post_frames(kiosk, held_employee_photo).json()

    assert (body["admitted"], body["headline"]) == (True, "Welcome, Jackie")
    assert Verification.objects.get().liveness == Verification.Liveness.FAILED


@pytest.mark.parametrize(
    ("performer", "decision"),
    [
        (None, "unknown"),
        ({"denied": True, "denied_reason": "Badge revoked"}, "denied"),
        ({"make": make_visitor, "starts_in": timedelta(days=2)}, "visitor_outside_window"),
    ],
    ids=["unknown", "denied", "outside-window"],
)
def test_every_refusal_says_the_same_and_reveals_no_deny_list(
    kiosk, enrol_performer, live_burst, performer, decision
):
    if performer is not None:
        enrol_performer(**performer)

    response = post_frames(kiosk, live_burst)

    assert response.json() == SEE_RECEPTION  # the same words, whatever the log says
    assert Verification.objects.get().decision == decision  # the log says what it was


# --- bad input: 400, nothing recorded ---------------------------------------------------------
def test_a_bad_frame_is_400_naming_it_and_nothing_is_recorded(kiosk, live_burst):
    files = [upload(jpeg(frame)) for frame in live_burst[:5]]
    files[2] = upload(b"not an image")

    response = kiosk.post(VERIFY, {"frames": files})

    assert response.status_code == 400
    assert response.json()["detail"].startswith("frame 3: ")
    assert response.json()["code"] == "not_an_image"
    assert not Verification.objects.exists()


@pytest.mark.parametrize("count", [0, 4, 31])
def test_too_few_or_too_many_frames_are_400(kiosk, live_burst, count):
    frames = (live_burst * 4)[:count]

    response = post_frames(kiosk, frames)

    assert response.status_code == 400
    assert response.json()["detail"] == (
        f"frames: send 5 to 30 frames of the head turning, not {count}."
    )
    assert not Verification.objects.exists()


# --- the service: a liveness policy for one verification --------------------------------------
def burst_bytes(frames: list[Image.Image]) -> list[bytes]:
    return [jpeg(frame) for frame in frames]


@pytest.mark.parametrize(
    ("global_policy", "policy", "decision", "liveness"),
    [
        ("advisory", "required", "liveness_failed", "failed"),
        ("required", "advisory", "employee", "failed"),
        ("required", "off", "employee", "not_checked"),
        ("required", None, "liveness_failed", "failed"),  # None: IMAGESIFT_LIVENESS
    ],
)
def test_a_liveness_policy_overrides_the_setting(
    settings, held_employee_photo, global_policy, policy, decision, liveness
):
    settings.IMAGESIFT_LIVENESS = global_policy

    verification = services.verification_perform(
        frames=burst_bytes(held_employee_photo), channel="api", liveness_policy=policy
    )

    assert (verification.decision, verification.liveness) == (decision, liveness)


def test_an_unknown_liveness_policy_is_refused_before_anything_is_recorded(held_employee_photo):
    with pytest.raises(ValueError, match="liveness_policy"):
        services.verification_perform(
            frames=burst_bytes(held_employee_photo), channel="api", liveness_policy="strict"
        )

    assert not Verification.objects.exists()
