"""Fixtures of the engine tests: a person of the shared photos, one of their portraits, and the
shared liveness material."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def person(faces) -> str:
    """Someone with four photos or more."""
    return faces.people_with(4)[0]


@pytest.fixture
def portrait(faces, person) -> bytes:
    return faces.of(person)[0].read_bytes()


@pytest.fixture(scope="session")
def liveness_dir() -> Path:
    """The shared live videos and spoof captures (IMAGESIFT_LIVENESS_DIR, ../shared/liveness)."""
    path = Path(settings.IMAGESIFT_LIVENESS_DIR)
    if not (path / "live").is_dir():
        pytest.fail(f"The liveness material is missing at {path} (set IMAGESIFT_LIVENESS_DIR).")
    return path
