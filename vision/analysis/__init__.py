"""Image analysers behind one interface; `image_analyser` gives the one settings name."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from vision.analysis.base import ImageAnalyser

ANALYSERS = {
    "local": "vision.analysis.local.LocalImageAnalyser",
    "rekognition": "vision.analysis.rekognition.RekognitionImageAnalyser",
}


def image_analyser(name: str = "") -> ImageAnalyser:
    """The analyser of the engine called `name` (default: IMAGESIFT_ENGINE), one per process."""
    return _analyser(name or settings.IMAGESIFT_ENGINE)


@cache
def _analyser(name: str) -> ImageAnalyser:
    if name not in ANALYSERS:
        raise ImproperlyConfigured(
            f"IMAGESIFT_ENGINE={name!r} is not one of {', '.join(sorted(ANALYSERS))}."
        )
    return import_string(ANALYSERS[name])()  # its models load on first use only


def forget_analysers() -> None:
    """Forget the analysers made so far, so that the next ones read settings afresh (tests)."""
    _analyser.cache_clear()
