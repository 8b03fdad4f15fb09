"""Liveness test material made from ../shared: bursts of the real live videos, and flat pictures
(real photos, the printed-photo and tablet captures) moved as a hand holding them up to a camera
would move them: a sequence of homographies (tilts about both axes, a little roll and shift),
with blur and JPEG recompression. Used by the tests and by bench/liveness.py."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

BURST_FRAMES = 10
HELD_PICTURE_PX = 500  # a held photo fills about this much of a desk camera's frame


def video_frames(path: Path) -> list[Image.Image]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
    capture.release()
    return frames


def live_bursts(path: Path, *, every: int = 3, stride: int = 15, with_starts: bool = False):
    """Overlapping bursts of BURST_FRAMES frames, every `every`th frame (about 1 s at 30 fps);
    with `with_starts`, (first frame number, burst) pairs."""
    frames = video_frames(path)
    span = BURST_FRAMES * every
    starts = range(0, len(frames) - span, stride)
    bursts = [frames[start : start + span : every] for start in starts]
    return list(zip(starts, bursts, strict=True)) if with_starts else bursts


def held_picture(picture: Image.Image, tilt_deg: float, seed: int) -> list[Image.Image]:
    """BURST_FRAMES views of a flat picture held up to a camera and tilted back and forth about
    its own centre by up to `tilt_deg`: each view is the exact perspective image of the rotated
    plane (its corners projected by a pinhole camera), then blurred and recompressed."""
    rng = np.random.default_rng(seed)
    size_px = HELD_PICTURE_PX
    image = cv2.resize(np.asarray(picture.convert("RGB")), (size_px, size_px))
    focal_px = 1.2 * size_px  # the picture at this depth shows at its own size
    half = size_px / 2
    corners = np.float32([[0, 0], [size_px, 0], [size_px, size_px], [0, size_px]])
    plane = np.c_[corners - half, np.zeros(4)]  # centred on the picture, in its own plane
    frames = []
    for phase in np.linspace(0, 1, BURST_FRAMES):
        angles = np.radians(
            [
                tilt_deg / 2 * np.sin(np.pi * phase) + rng.normal(0, 1),  # about the x axis
                tilt_deg * np.sin(2 * np.pi * phase) + rng.normal(0, 1),  # about the y axis
                rng.normal(0, 2),  # roll
            ]
        )
        rotation = np.eye(3)
        for axis, angle in enumerate(angles):
            vector = np.zeros(3)
            vector[axis] = angle
            rotation = cv2.Rodrigues(vector)[0] @ rotation
        placed = plane @ rotation.T + [rng.normal(0, 4), rng.normal(0, 4), focal_px]
        seen = np.float32(focal_px * placed[:, :2] / placed[:, 2:] + half)
        homography = cv2.getPerspectiveTransform(corners, seen)
        moved = cv2.warpPerspective(
            image, homography, (size_px, size_px), borderMode=cv2.BORDER_REPLICATE
        )
        moved = cv2.GaussianBlur(moved, (0, 0), rng.uniform(0.3, 1.2))
        _, encoded = cv2.imencode(".jpg", moved, [cv2.IMWRITE_JPEG_QUALITY, 75])
        frames.append(Image.fromarray(cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)))
    return frames
