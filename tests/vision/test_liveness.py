"""Liveness of a burst of frames on the real material: a live head turning passes, the same
kind of burst made of a flat picture fails, and each failure says why."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.spoofs import held_picture, live_bursts
from vision import model_files
from vision.liveness import Liveness, LivenessFailure, available, check_burst
from vision.liveness import burst as liveness

# A second of the performer alone in hamilton_short.mp4, turning his head on stage.
LIVE_BURST = 8  # frames 120-150


@pytest.fixture(scope="module")
def hamilton(liveness_dir) -> list[list[Image.Image]]:
    return live_bursts(liveness_dir / "live" / "hamilton_short.mp4")


def test_a_live_head_turning_passes(hamilton):
    result = check_burst(hamilton[LIVE_BURST])

    assert result.status == Liveness.PASSED, result
    assert result.parallax >= liveness.MIN_PARALLAX and result.turn >= liveness.MIN_TURN
    assert result.reason == ""


@pytest.mark.parametrize("tilt_deg", [10, 20, 30])
def test_a_photo_held_up_and_tilted_fails_as_flat_or_unmoved(faces, person, tilt_deg):
    photo = Image.open(faces.of(person)[0])

    result = check_burst(held_picture(photo, tilt_deg, seed=tilt_deg))

    assert result.status == Liveness.FAILED
    assert result.failure in {LivenessFailure.FLAT, LivenessFailure.NO_MOTION}
    assert result.parallax < liveness.MIN_PARALLAX


def test_a_printed_photo_held_up_fails(liveness_dir):
    printed = Image.open(liveness_dir / "spoof" / "printed_photo.jpg")
    upright = printed.transpose(Image.Transpose.ROTATE_270)  # stored sideways

    result = check_burst(held_picture(upright, 20, seed=1))

    assert result.status == Liveness.FAILED
    assert result.parallax < liveness.MIN_PARALLAX


def test_the_same_frame_again_and_again_did_not_move(hamilton):
    result = check_burst([hamilton[LIVE_BURST][0]] * 8)

    assert (result.status, result.failure) == (Liveness.FAILED, LivenessFailure.NO_MOTION)
    assert result.reason == "the head did not turn"


def test_too_few_frames_are_not_judged(hamilton):
    result = check_burst(hamilton[LIVE_BURST][:3])

    assert (result.failure, result.frames) == (LivenessFailure.TOO_FEW_FRAMES, 3)
    assert result.parallax is None


def test_another_person_in_the_burst_fails_as_face_changed(faces, person, hamilton):
    burst = hamilton[LIVE_BURST][:5] + [Image.open(faces.of(person)[0])] * 3

    assert check_burst(burst).failure == LivenessFailure.FACE_CHANGED


def test_a_frame_without_a_face_fails_as_face_changed(faces, hamilton):
    burst = [*hamilton[LIVE_BURST][:6], Image.open(faces.nonface()[0])]

    assert check_burst(burst).failure == LivenessFailure.FACE_CHANGED


def test_the_landmark_model_is_refused_unless_its_digest_matches(tmp_path):
    original = model_files.package_folder(liveness.MESH_PACKAGE) / liveness.MESH[0]
    altered = tmp_path / "face_landmark.tflite"
    content = original.read_bytes()
    altered.write_bytes(content[:-1] + bytes([content[-1] ^ 0xFF]))  # one byte changed

    assert model_files.verified(original, liveness.MESH[1]) == original
    with pytest.raises(RuntimeError, match="not the expected model file"):
        model_files.verified(altered, liveness.MESH[1])


def test_the_models_liveness_needs_are_installed_here():
    assert available()
