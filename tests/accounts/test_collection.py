"""The face collection of enrolled people (`accounts/collection.py`): the engine settings name,
with the local engine's vectors in this app's tables, whose version moves with every change."""

from __future__ import annotations

import pytest

from accounts.collection import STORE, face_collection
from accounts.models import CollectionVersion, StoredFace
from vision.faces.local import LocalFaceCollection

pytestmark = pytest.mark.django_db

VECTOR = bytes(range(16))


def test_the_local_engine_keeps_its_vectors_in_this_apps_store(settings):
    settings.IMAGESIFT_ENGINE = "local"

    collection = face_collection()

    assert isinstance(collection, LocalFaceCollection) and collection.store is STORE
    assert face_collection() is collection  # one per process


def test_every_change_moves_the_version_and_nothing_else_does():
    first = STORE.add(person_key="7", vector=VECTOR)
    start = STORE.version()
    STORE.add(person_key="7", vector=VECTOR)
    after_adding = STORE.version()
    STORE.delete([first, "not-a-face-id"])
    after_deleting = STORE.version()
    STORE.delete(["3f1c5a52-0000-4000-8000-000000000000"])  # nobody's face: no change
    after_nothing = STORE.version()
    STORE.delete_person("7")

    assert (after_adding, after_deleting, after_nothing) == (start + 1, start + 2, start + 2)
    assert STORE.version() == start + 3
    assert not StoredFace.objects.exists()
    assert list(STORE.vectors()) == []


def test_the_vectors_come_back_grouped_by_person():
    bob = STORE.add(person_key="2", vector=VECTOR)
    ada = STORE.add(person_key="1", vector=bytes(16))

    assert list(STORE.vectors()) == [("1", ada, bytes(16)), ("2", bob, VECTOR)]


def test_a_lost_version_row_starts_again_high_not_at_one():
    CollectionVersion.objects.all().delete()

    STORE.add(person_key="7", vector=VECTOR)

    assert STORE.version() > 2**32  # a random start: no process's cached copy can match it
