"""The embedded `local` face collection: dlib's HOG detector, 5-point alignment and ResNet
descriptor.

Face vectors persist in the `FaceVectorStore` an app hands in (database rows); each process keeps
them as one float32 matrix and reloads it when the store's version changes (another process may
have changed it). Models load lazily from the `face_recognition_models` package, once per thread:
dlib's detector and networks must not be used by two threads at once (two `analyze` threads
sharing one detector crashed the process).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import dlib
import numpy as np
from django.conf import settings

from vision.boxes import BoxPx
from vision.faces.base import (
    DetectedFace,
    FaceCollection,
    FaceMatch,
    FaceRejected,
    FaceRejection,
    FaceSearch,
    FaceVectorStore,
    IndexedFace,
    QualityGate,
)
from vision.images import PreparedImage

MODEL_NAME = "dlib HOG detector + ResNet face descriptor (face_recognition_models 0.3.0)"
DESCRIPTOR_SIZE = 128
# Detection scans a copy no larger than this (HOG time grows with the pixel count) ...
DETECT_MAX_SIDE = 800
# ... or, for verification, first one this small: it finds faces over ~1/3 of the frame height.
COARSE_MAX_SIDE = 320
UPSAMPLE_BELOW_SIDE = 400
# Open-set scoring, measured on ../shared/faces (README, "Accuracy"): vectors are unit-normalised;
# similarity = 100 * (1 - distance / DISTANCE_AT_ZERO), so the default threshold 80 is distance
# 0.36 (dlib's customary 0.6 would accept most strangers as somebody once hundreds are enrolled);
# and the best person must be clearly nearer than the next one (distance ratio), which keeps
# strangers out as the gallery grows.
DISTANCE_AT_ZERO = 1.8
MAX_DISTANCE_RATIO = 0.85
# Reporting every face of an image (analysis) leaves out the weakest HOG detections: on the
# shared group photos every real face scored 0.27 or more; the astronaut's mission patch, 0.07.
MIN_REPORTED_FACE_SCORE = 0.2
# Enrolment averages the descriptors of the face, its mirror image and jittered copies.
ENROLMENT_JITTERS = 10


def similarity_from_distance(distance: float) -> float:
    """Similarity on a 0-100 scale from the L2 distance of two unit-normalised descriptors."""
    return min(100.0, max(0.0, 100.0 * (1.0 - distance / DISTANCE_AT_ZERO)))


_per_thread = threading.local()


def _models() -> tuple:
    """dlib's HOG detector, 5-point shape predictor and ResNet descriptor, this thread's own."""
    models = getattr(_per_thread, "models", None)
    if models is None:
        models = _per_thread.models = _load_models()
    return models


def _load_models() -> tuple:
    spec = importlib.util.find_spec("face_recognition_models")  # importing it needs pkg_resources
    if spec is None or spec.origin is None:
        raise RuntimeError("The face_recognition_models package is not installed.")
    folder = Path(spec.origin).parent / "models"
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat")),
        dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat")),
    )


@dataclass(frozen=True)
class _Found:
    """A detected face with what the descriptor needs; never leaves this module."""

    face: DetectedFace
    chip: np.ndarray


def _chip_quality(chip: np.ndarray) -> tuple[float, float]:
    """Sharpness (variance of the Laplacian) and brightness (mean grey) of a face chip."""
    grey = chip.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    inner = grey[37:113, 37:113]  # eyes, nose and mouth: no hair, background or padding
    laplacian = (
        inner[:-2, 1:-1]
        + inner[2:, 1:-1]
        + inner[1:-1, :-2]
        + inner[1:-1, 2:]
        - 4 * inner[1:-1, 1:-1]
    )
    return float(laplacian.var()), float(inner.mean())


def _detect(image: PreparedImage, max_side: int) -> list[tuple[dlib.rectangle, float]]:
    """HOG detections in full-image coordinates, scanning a copy at most `max_side` wide.

    Small images (not small copies) are upsampled once so that faces of ~40 px are found.
    """
    detector = _models()[0]
    scale = min(1.0, max_side / max(image.width, image.height))
    pixels = image.pixels
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        pixels = pixels.resize(size, reducing_gap=2.0)
    upsample = 1 if max(image.width, image.height) < UPSAMPLE_BELOW_SIDE else 0
    rectangles, scores, _ = detector.run(np.asarray(pixels), upsample, 0.0)
    detections = []
    for rect, score in zip(rectangles, scores, strict=True):
        left, top = max(0, round(rect.left() / scale)), max(0, round(rect.top() / scale))
        right = min(image.width, round((rect.right() + 1) / scale))
        bottom = min(image.height, round((rect.bottom() + 1) / scale))
        if right > left and bottom > top:
            detections.append((dlib.rectangle(left, top, right, bottom), float(score)))
    return detections


def _find_faces(image: PreparedImage, *, coarse_first: bool = False) -> list[_Found]:
    """Faces with their aligned chips, largest first.

    `coarse_first` (verification) scans a small copy first, which finds the large faces a
    front-desk camera sees in a quarter of the time, and scans finely only when it finds none.
    Enrolment scans finely always, so that a second face in the photo is not missed.
    """
    coarse = coarse_first and max(image.width, image.height) > COARSE_MAX_SIDE
    detections = _detect(image, COARSE_MAX_SIDE) if coarse else []
    if not detections:
        detections = _detect(image, DETECT_MAX_SIDE)
    shape_predictor = _models()[1]
    rgb = np.asarray(image.pixels)
    found = []
    for rect, score in detections:
        shape = shape_predictor(rgb, rect)
        chip = dlib.get_face_chip(rgb, shape, size=150, padding=0.25)
        sharpness, brightness = _chip_quality(chip)
        box = BoxPx(left=rect.left(), top=rect.top(), width=rect.width(), height=rect.height())
        found.append(_Found(DetectedFace(box, score, sharpness, brightness), chip))
    found.sort(key=lambda item: item.face.box.area, reverse=True)
    return found


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _mirror(chip: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(chip[:, ::-1])


def _descriptors(chips: list[np.ndarray]) -> np.ndarray:
    """Unit-normalised 128-d descriptors of face chips, one row each (~75 ms a chip)."""
    raw = _models()[2].compute_face_descriptor(chips)
    return _unit(np.array([np.asarray(vector) for vector in raw], dtype=np.float32))


def _enrolment_template(chip: np.ndarray) -> np.ndarray:
    """The vector stored for an enrolment photo: the mean descriptor of the face, its mirror
    image and jittered copies (~0.9 s, once per photo), steadier against a probe's pose and
    framing than one descriptor; measured in README, "Accuracy"."""
    variants = [chip, _mirror(chip), *dlib.jitter_image(chip, num_jitters=ENROLMENT_JITTERS)]
    return _unit(_descriptors(variants).mean(axis=0))


@dataclass(frozen=True)
class _Gallery:
    """One immutable snapshot of the collection, grouped by person for per-person scoring."""

    version: int
    vectors: np.ndarray  # (faces, 128) float32, unit-normalised, rows grouped by person
    face_ids: np.ndarray
    person_keys: np.ndarray  # one per person
    person_starts: np.ndarray  # index of each person's first row in `vectors`

    @classmethod
    def load(cls, version: int, store: FaceVectorStore) -> _Gallery:
        rows = list(store.vectors())
        vectors = np.zeros((len(rows), DESCRIPTOR_SIZE), dtype=np.float32)
        for row, (_, _, vector) in enumerate(rows):
            vectors[row] = np.frombuffer(vector, dtype="<f4")
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        keys = np.array([key for key, _, _ in rows], dtype=object)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(rows) else []
        return cls(
            version=version,
            vectors=vectors,
            face_ids=np.array([str(face_id) for _, face_id, _ in rows], dtype=object),
            person_keys=keys[starts],
            person_starts=np.asarray(starts, dtype=np.intp),
        )

    def closest_people(self, query: np.ndarray, count: int) -> list[tuple[str, str, float]]:
        """(person key, face id, distance) of the `count` nearest people, nearest first.

        A person's distance is that of their nearest photo: every enrolled photo counts.
        """
        if not len(self.vectors):
            return []
        similarity = self.vectors @ query  # cosine: both sides are unit vectors
        per_person = np.maximum.reduceat(similarity, self.person_starts)
        count = min(count, len(per_person))
        nearest = np.argpartition(-per_person, count - 1)[:count]
        nearest = nearest[np.argsort(-per_person[nearest])]
        ends = np.r_[self.person_starts[1:], len(similarity)]
        results = []
        for person in nearest:
            start, end = self.person_starts[person], ends[person]
            best_row = start + int(np.argmax(similarity[start:end]))
            distance = float(np.sqrt(max(0.0, 2.0 - 2.0 * float(per_person[person]))))
            results.append((self.person_keys[person], self.face_ids[best_row], distance))
        return results


class LocalFaceCollection(FaceCollection):
    """dlib's faces, kept in the store an app hands in."""

    name = "local"
    model_name = MODEL_NAME

    def __init__(self, *, store: FaceVectorStore) -> None:
        self.store = store
        self._gallery: _Gallery | None = None
        self._reload_lock = threading.Lock()

    @property
    def match_threshold(self) -> float:
        return settings.IMAGESIFT_MATCH_THRESHOLD

    def detect_faces(self, image: PreparedImage) -> list[DetectedFace]:
        return [found.face for found in _find_faces(image)]

    def index_face(
        self, image: PreparedImage, *, person_key: str, gate: QualityGate
    ) -> IndexedFace:
        found = _find_faces(image)
        if not found:
            raise FaceRejected(FaceRejection.NO_FACE, "no face found in the photo")
        if len(found) > 1:
            raise FaceRejected(
                FaceRejection.SEVERAL_FACES,
                f"{len(found)} faces found; an enrolment photo needs one",
            )
        gate.check(found[0].face)
        vector = _enrolment_template(found[0].chip)
        face_id = self.store.add(person_key=person_key, vector=vector.astype("<f4").tobytes())
        return IndexedFace(face_id=face_id, face=found[0].face)

    def search_face(
        self, image: PreparedImage, *, threshold: float, max_results: int = 3
    ) -> FaceSearch:
        found = _find_faces(image, coarse_first=True)
        if not found:
            return FaceSearch(face=None, faces_seen=0, rejection=FaceRejection.NO_FACE)
        largest = found[0]
        matches = self._matches(_descriptors([largest.chip])[0], threshold, max_results)
        return FaceSearch(face=largest.face, faces_seen=len(found), matches=matches)

    def search_all_faces(
        self, image: PreparedImage, *, threshold: float, max_faces: int
    ) -> list[FaceSearch]:
        found = [
            item for item in _find_faces(image) if item.face.confidence >= MIN_REPORTED_FACE_SCORE
        ]
        kept = found[:max_faces]
        if not kept:
            return []
        vectors = _descriptors([item.chip for item in kept])
        return [
            FaceSearch(
                face=item.face,
                faces_seen=len(found),
                matches=self._matches(vector, threshold, max_results=1),
            )
            for item, vector in zip(kept, vectors, strict=True)
        ]

    def _matches(
        self, vector: np.ndarray, threshold: float, max_results: int
    ) -> tuple[FaceMatch, ...]:
        """The people at `threshold` or above, if the nearest is clearly the nearest."""
        nearest = self._current_gallery().closest_people(vector, max(max_results, 2))
        if not nearest or not _clearly_nearest(nearest):
            return ()
        return tuple(
            FaceMatch(person_key=key, face_id=face_id, similarity=round(similarity, 2))
            for key, face_id, distance in nearest[:max_results]
            if (similarity := similarity_from_distance(distance)) >= threshold
        )

    def delete_faces(self, face_ids: Sequence[str]) -> None:
        if face_ids:
            self.store.delete(face_ids)

    def faces(self) -> Iterator[tuple[str, str]]:
        for person_key, face_id, _ in self.store.vectors():
            yield face_id, person_key

    def forget_person(self, person_key: str) -> None:
        self.store.delete_person(person_key)

    def _current_gallery(self) -> _Gallery:
        """The faces as one matrix, reloaded when the store's version has moved."""
        version = self.store.version()
        gallery = self._gallery
        if gallery is None or gallery.version != version:
            with self._reload_lock:
                gallery = self._gallery
                if gallery is None or gallery.version != version:
                    gallery = self._gallery = _Gallery.load(version, self.store)
        return gallery


def _clearly_nearest(nearest: list[tuple[str, str, float]]) -> bool:
    """Whether the nearest person is clearly nearer than the runner-up (the ratio test)."""
    if len(nearest) < 2:
        return True
    return nearest[0][2] <= MAX_DISTANCE_RATIO * nearest[1][2]
