"""Fixtures of the engine tests: a person of the shared photos, and one of their portraits."""

import pytest


@pytest.fixture
def person(faces) -> str:
    """Someone with four photos or more."""
    return faces.people_with(4)[0]


@pytest.fixture
def portrait(faces, person) -> bytes:
    return faces.of(person)[0].read_bytes()
