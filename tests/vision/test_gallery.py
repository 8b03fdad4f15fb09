"""The local collection's gallery: exact per-person scoring, and snapshots shared by processes."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from django.db import connection

from accounts.collection import STORE
from vision.faces.base import QualityGate
from vision.faces.gallery import Gallery
from vision.faces.local import MODEL_KEY, LocalFaceCollection
from vision.images import prepare_image

rng = np.random.default_rng(7)


def random_rows(people: int, most_photos: int) -> list[tuple[str, str, bytes]]:
    return [
        (f"p{person:05d}", f"f{person}-{photo}", rng.standard_normal(128).astype("<f4").tobytes())
        for person in range(people)
        for photo in range(int(rng.integers(1, most_photos + 1)))
    ]


def every_person_scored(gallery: Gallery, query: np.ndarray, count: int) -> list[tuple]:
    """The definition, person by person: the mean of their two best photos (or their one)."""
    scores = []
    for person, key in enumerate(gallery.person_keys):
        rows = range(gallery.person_starts[person], gallery.person_starts[person + 1])
        cosines = sorted(((float(gallery.vectors[row] @ query), row) for row in rows), reverse=True)
        score = np.mean([cosine for cosine, _ in cosines[:2]])
        scores.append((key.decode(), gallery.face_ids[cosines[0][1]].decode(), round(score, 5)))
    return sorted(scores, key=lambda entry: -entry[2])[:count]


@pytest.mark.parametrize("people", [1, 3, 70, 2000])
def test_scoring_only_the_nearest_photos_owners_is_exact(people):
    gallery = Gallery.from_rows(1, random_rows(people, most_photos=4))
    for _ in range(20):
        query = rng.standard_normal(128).astype(np.float32)
        if rng.random() < 0.5:  # near someone's photo, as a real probe is
            query = gallery.vectors[rng.integers(len(gallery.vectors))] + 0.4 * query / 11
        query /= np.linalg.norm(query)
        for count in (1, 3):
            expected = every_person_scored(gallery, query, count)
            assert rounded(gallery.closest_people(query, count)) == expected


def test_int8_codes_pick_the_same_people_and_scores_stay_exact(tmp_path):
    rows = random_rows(3000, most_photos=3)
    exact = Gallery.from_rows(1, rows)
    built = Gallery.from_rows(1, rows, exact_search_max_faces=100)
    built.save(tmp_path)
    opened = Gallery.open(1, tmp_path)
    assert exact.int8_codes is None
    assert built.int8_codes is not None and opened.int8_codes is not None

    for _ in range(30):
        query = exact.vectors[rng.integers(len(exact.vectors))] + rng.standard_normal(128) / 11
        query = (query / np.linalg.norm(query)).astype(np.float32)
        expected = rounded(exact.closest_people(query, 3))
        assert rounded(built.closest_people(query, 3)) == expected
        assert rounded(opened.closest_people(query, 3)) == expected


def test_a_gallery_up_to_the_limit_is_searched_exactly_without_codes():
    assert Gallery.from_rows(1, random_rows(50, 1), exact_search_max_faces=50).int8_codes is None


def test_an_empty_gallery_finds_nobody():
    assert Gallery.from_rows(1, []).closest_people(np.ones(128, np.float32), 3) == []


@pytest.mark.django_db(transaction=True)
def test_processes_share_one_memory_mapped_snapshot(settings, faces, person):
    first, second = LocalFaceCollection(store=STORE), LocalFaceCollection(store=STORE)
    for path in faces.of(person)[:2]:
        first.index_face(image_of(path), person_key=person, gate=no_gate())

    galleries = [collection._current_gallery() for collection in (first, second)]

    folder = Path(settings.IMAGESIFT_GALLERY_DIR)
    [snapshot] = folder.glob(f"{MODEL_KEY}-*")
    assert snapshot.name == f"{MODEL_KEY}-{STORE.version()}"
    for gallery in galleries:
        assert isinstance(gallery.vectors, np.memmap)
        assert Path(gallery.vectors.filename) == snapshot / "vectors.npy"
        assert [key.decode() for key in gallery.person_keys] == [person]


@pytest.mark.django_db(transaction=True)
def test_a_change_replaces_the_snapshot_and_a_deleted_face_is_gone(settings, faces, person):
    collection = LocalFaceCollection(store=STORE)
    indexed = collection.index_face(
        image_of(faces.of(person)[0]), person_key=person, gate=no_gate()
    )
    probe = image_of(faces.of(person)[3])
    assert collection.search_face(probe, threshold=0).matches

    collection.delete_faces([indexed.face_id])

    assert collection.search_face(probe, threshold=0).matches == ()
    folder = Path(settings.IMAGESIFT_GALLERY_DIR)
    assert [path.name for path in folder.glob(f"{MODEL_KEY}-*")] == [
        f"{MODEL_KEY}-{STORE.version()}"
    ]
    assert not list(folder.glob(".partial-*"))


@pytest.mark.django_db(transaction=True)
def test_processes_loading_at_once_build_the_snapshot_once(settings, faces, person):
    LocalFaceCollection(store=STORE).index_face(
        image_of(faces.of(person)[0]), person_key=person, gate=no_gate()
    )
    collections = [LocalFaceCollection(store=STORE) for _ in range(4)]

    def load(collection):
        try:
            return collection._current_gallery()
        finally:
            connection.close()  # the thread's own

    with ThreadPoolExecutor(4) as pool:
        galleries = list(pool.map(load, collections))

    assert len({Path(gallery.vectors.filename) for gallery in galleries}) == 1
    assert len(list(Path(settings.IMAGESIFT_GALLERY_DIR).glob(f"{MODEL_KEY}-*"))) == 1


def test_without_a_snapshot_folder_each_process_keeps_its_own_copy(settings, db, faces, person):
    settings.IMAGESIFT_GALLERY_DIR = ""
    collection = LocalFaceCollection(store=STORE)
    collection.index_face(image_of(faces.of(person)[0]), person_key=person, gate=no_gate())

    gallery = collection._current_gallery()

    assert not isinstance(gallery.vectors, np.memmap)
    assert len(gallery.vectors) == 1


def rounded(found: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
    return [(key, face_id, round(score, 5)) for key, face_id, score in found]


def image_of(path: Path):
    return prepare_image(path.read_bytes())


def no_gate() -> QualityGate:
    return QualityGate(min_face_px=0, min_sharpness=0, min_brightness=0)
