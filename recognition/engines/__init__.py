"""Recognition engines behind one interface; `get_engine()` picks one from settings."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from recognition.engines.base import FaceEngine, QualityGate

ENGINES = {
    "local": "recognition.engines.local.LocalEngine",
    "rekognition": "recognition.engines.rekognition.RekognitionEngine",
}


@cache
def _engine(name: str) -> FaceEngine:
    if name not in ENGINES:
        raise ImproperlyConfigured(
            f"IMAGESIFT_ENGINE={name!r} is not one of {', '.join(sorted(ENGINES))}."
        )
    return import_string(ENGINES[name])()


def get_engine(name: str | None = None) -> FaceEngine:
    """The engine called `name` (default: `IMAGESIFT_ENGINE`), one instance per process."""
    return _engine(name or settings.IMAGESIFT_ENGINE)


def reset_engines() -> None:
    """Forget the engines built so far, so that the next ones read settings afresh (tests)."""
    _engine.cache_clear()


def match_threshold() -> float:
    """The similarity a match needs, on the scale of the engine in use."""
    return getattr(settings, get_engine().match_threshold_setting)


def enrolment_gate() -> QualityGate:
    """The quality an enrolment photo's face must have, from settings."""
    return QualityGate(
        min_face_px=settings.IMAGESIFT_MIN_FACE_PX,
        min_sharpness=settings.IMAGESIFT_MIN_SHARPNESS,
        min_brightness=settings.IMAGESIFT_MIN_BRIGHTNESS,
    )
