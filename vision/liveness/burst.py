"""Liveness from a short burst of frames: a real head turning, or a flat picture moved?

A print, or a still image on a screen, moves in front of a camera by a plane-to-plane projective
transform (a homography), exactly. A real head does not: as it turns, the nose stands out of the
plane of the eyes, brows and mouth, and moves against it (parallax). So each frame's face is
located by YuNet (`faces.local_models`) and its 468 landmarks by MediaPipe's Face Mesh; the
homography that maps the near-planar landmarks of the first frame onto each other frame's is
fitted, and the nose landmarks' distance from where it puts them, divided by the distance between
the eyes, is that frame's parallax. The burst's score is the median over its frames.

Five landmarks (YuNet's) are too noisy for this: a flat picture's five points stray from a
homography as far as a real head's do (README, "Liveness"). The Face Mesh model ships inside the
`mediapipe` wheel (found, never imported, and checked by digest) and runs on LiteRT.

What this cannot tell: a video of the person replayed on a screen moves like the person.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache

import cv2
import numpy as np
from PIL import Image

from vision import model_files
from vision.faces import local_models
from vision.faces.local import MAX_OTHER_FACE_AREA, MAX_OTHER_FACE_SCORE
from vision.liveness import (
    MESH_PACKAGE,
    MIN_FRAMES,
    Liveness,
    LivenessFailure,
    LivenessResult,
)

MESH = (
    "modules/face_landmark/face_landmark.tflite",
    "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
)
MESH_INPUT_PX = 192
MESH_CROP_MARGIN = 1.5  # the crop around YuNet's box, as Face Mesh expects a face with margin
# Face Mesh landmark numbers: eye corners, brows, mouth corners and lips lie near one plane;
# the nose tip, its wings and its bridge stand out of it.
PLANE_LANDMARKS = [33, 133, 362, 263, 61, 291, 70, 300, 105, 334, 0, 17]
DEPTH_LANDMARKS = [1, 4, 5, 195, 168]
EYE_OUTER_CORNERS = (33, 263)
NOSE_TIP = 1

# SFace: every frame's face must match the first frame's. Within one second of one person the
# cosine stays over 0.38 on the shared videos (faces of ~80 px); two people rarely reach 0.3.
SAME_PERSON_COSINE = 0.3
# Measured on ../shared/liveness (README, "Liveness"): the least head turn (the nose tip's
# sideways travel over the burst, in eye distances) and the least parallax of a live burst.
MIN_TURN = 0.08
MIN_PARALLAX = 0.05


def check_burst(frames: Sequence[Image.Image]) -> LivenessResult:
    """Whether a burst of frames (about 1-2 s of a person turning their head) shows a live head:
    one face of one person in every frame, a head turn, and the parallax of a 3-D face."""
    if len(frames) < MIN_FRAMES:
        return _failed(LivenessFailure.TOO_FEW_FRAMES, frames=len(frames))
    faces = []
    for frame in frames:
        found = local_models.find_faces(frame)
        if not found or _another_person_as_near(found):
            return _failed(LivenessFailure.FACE_CHANGED, frames=len(frames))
        faces.append(found[0])
    vectors = local_models.embed([face.chip for face in faces])
    if float((vectors[1:] @ vectors[0]).min()) < SAME_PERSON_COSINE:
        return _failed(LivenessFailure.FACE_CHANGED, frames=len(frames))
    landmarks = [
        mesh_landmarks(frame, face.box_px) for frame, face in zip(frames, faces, strict=True)
    ]
    measured = {
        "parallax": round(burst_parallax(landmarks), 4),
        "turn": round(head_turn(landmarks), 4),
        "frames": len(frames),
    }
    if measured["turn"] < MIN_TURN:
        return _failed(LivenessFailure.NO_MOTION, **measured)
    if measured["parallax"] < MIN_PARALLAX:
        return _failed(LivenessFailure.FLAT, **measured)
    return LivenessResult(Liveness.PASSED, **measured)


def _another_person_as_near(found: list[local_models.Found]) -> bool:
    """Whether a second sure face is about as large as the largest (the rule of enrolment
    photos): people further back may show, but then whose burst it is would be ambiguous."""
    largest = found[0].box_px[2] * found[0].box_px[3]
    return any(
        face.score >= MAX_OTHER_FACE_SCORE
        and face.box_px[2] * face.box_px[3] >= MAX_OTHER_FACE_AREA * largest
        for face in found[1:]
    )


def _failed(failure: LivenessFailure, **measured) -> LivenessResult:
    return LivenessResult(Liveness.FAILED, failure, **measured)


def head_turn(landmarks: Sequence[np.ndarray]) -> float:
    """How far the nose tip travelled sideways against the eyes over the burst."""
    offsets = []
    for points in landmarks:
        left, right = points[EYE_OUTER_CORNERS[0]], points[EYE_OUTER_CORNERS[1]]
        axis = right - left
        eye_distance = float(np.linalg.norm(axis))
        offsets.append(float(np.dot(points[NOSE_TIP] - (left + right) / 2, axis)) / eye_distance**2)
    return max(offsets) - min(offsets)


def burst_parallax(landmarks: Sequence[np.ndarray]) -> float:
    """The median, over the frames after the first, of `parallax(first, frame)`."""
    return float(np.median([parallax(landmarks[0], points) for points in landmarks[1:]]))


def parallax(first: np.ndarray, other: np.ndarray) -> float:
    """How far the nose landmarks of `other` are from where the homography of the near-planar
    landmarks (first -> other) puts them, in eye distances (RMS): ~0 for a flat picture."""
    homography, _ = cv2.findHomography(first[PLANE_LANDMARKS], other[PLANE_LANDMARKS], 0)
    if homography is None:
        return 0.0
    predicted = cv2.perspectiveTransform(
        first[None, DEPTH_LANDMARKS].astype(np.float64), homography
    )
    error = predicted[0] - other[DEPTH_LANDMARKS]
    eye_distance = np.linalg.norm(other[EYE_OUTER_CORNERS[0]] - other[EYE_OUTER_CORNERS[1]])
    return float(np.sqrt((error**2).sum(axis=1).mean()) / eye_distance)


def mesh_landmarks(frame: Image.Image, box_px: tuple[int, int, int, int]) -> np.ndarray:
    """The 468 Face Mesh landmarks (x, y in frame pixels) of the face in `box_px`."""
    left, top, width, height = box_px
    centre_x, centre_y = left + width / 2, top + height / 2
    side = max(width, height) * MESH_CROP_MARGIN
    crop_corners = np.float32(
        [
            [centre_x - side / 2, centre_y - side / 2],
            [centre_x + side / 2, centre_y - side / 2],
            [centre_x - side / 2, centre_y + side / 2],
        ]
    )
    input_corners = np.float32([[0, 0], [MESH_INPUT_PX, 0], [0, MESH_INPUT_PX]])
    to_input = cv2.getAffineTransform(crop_corners, input_corners)
    crop = cv2.warpAffine(
        np.asarray(frame.convert("RGB")),
        to_input,
        (MESH_INPUT_PX, MESH_INPUT_PX),
        borderMode=cv2.BORDER_REPLICATE,
    )
    interpreter, entry, exit_, lock = _mesh()
    with lock:
        interpreter.set_tensor(entry, crop[None].astype(np.float32) / 255.0)
        interpreter.invoke()
        points = interpreter.get_tensor(exit_).reshape(468, 3)[:, :2].copy()
    back = cv2.invertAffineTransform(to_input)
    return points @ back[:, :2].T + back[:, 2]


@cache
def _mesh() -> tuple:
    from ai_edge_litert.interpreter import Interpreter

    path = model_files.verified(model_files.package_folder(MESH_PACKAGE) / MESH[0], MESH[1])
    interpreter = Interpreter(model_path=str(path), num_threads=1)
    interpreter.allocate_tensors()
    entry = interpreter.get_input_details()[0]["index"]
    exit_ = interpreter.get_output_details()[0]["index"]
    return interpreter, entry, exit_, threading.Lock()


def mesh_version() -> str:
    return model_files.package_version(MESH_PACKAGE)
