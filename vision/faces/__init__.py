"""Face collections behind one interface; `face_collection` gives the one settings name."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from vision.faces.base import FaceCollection, FaceVectorStore, QualityGate

COLLECTIONS = {
    "local": "vision.faces.local.LocalFaceCollection",
    "rekognition": "vision.faces.rekognition.RekognitionFaceCollection",
}


def face_collection(name: str = "", *, store: FaceVectorStore) -> FaceCollection:
    """The collection of the engine called `name` (default: IMAGESIFT_ENGINE), one per process.
    `store` keeps the vectors of the embedded `local` engine; Rekognition keeps its own."""
    return _collection(name or settings.IMAGESIFT_ENGINE, store)


@cache
def _collection(name: str, store: FaceVectorStore) -> FaceCollection:
    if name not in COLLECTIONS:
        raise ImproperlyConfigured(
            f"IMAGESIFT_ENGINE={name!r} is not one of {', '.join(sorted(COLLECTIONS))}."
        )
    collection_class = import_string(COLLECTIONS[name])  # its models load on first use only
    return collection_class(store=store) if name == "local" else collection_class()


def forget_face_collections() -> None:
    """Forget the collections made so far, so that the next ones read settings afresh (tests)."""
    _collection.cache_clear()


def enrolment_gate() -> QualityGate:
    """The quality an enrolment photo's face must have, from settings."""
    return QualityGate(
        min_face_px=settings.IMAGESIFT_MIN_FACE_PX,
        min_sharpness=settings.IMAGESIFT_MIN_SHARPNESS,
        min_brightness=settings.IMAGESIFT_MIN_BRIGHTNESS,
    )
