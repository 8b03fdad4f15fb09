"""The local collection's faces as one matrix, grouped by person, and how processes share it.

A gallery is a snapshot of one version of the collection. With a snapshot folder configured,
the first process to need a version writes it there as .npy files (under a file lock, so one
process reads the database while the others wait) and every process memory-maps them: the
vectors sit once in the page cache of the machine, not once per worker. Older snapshots are
deleted as soon as a newer one is written (a process still reading one keeps its mapping), so
the vectors of an erased person do not stay on disk.

Past IMAGESIFT_EXACT_SEARCH_MAX_FACES faces, a scan of every float32 vector costs more than the
10 ms a search may take (it reads 512 MB at a million faces: memory bandwidth, not arithmetic, is
the limit). Such a gallery also carries the vectors as int8 codes (faiss's scalar quantiser, a
quarter of the bytes): the codes pick the nearest photos, and their people are then scored
exactly from the float32 vectors. bench/search.py reports its agreement with exact search.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DESCRIPTOR_SIZE = 128
CANDIDATE_PHOTOS = 64  # nearest photos whose people are scored (more only when needed)
LOAD_BLOCK_ROWS = 65_536
ARRAYS = ("vectors", "face_ids", "person_keys", "person_starts", "row_people")
INT8_FILE = "int8-codes.faiss"


@dataclass(frozen=True)
class Gallery:
    """One immutable snapshot of the collection, grouped by person for per-person scoring."""

    version: int
    vectors: np.ndarray  # (faces, 128) float32, unit-normalised, rows grouped by person
    face_ids: np.ndarray  # bytes, one per row
    person_keys: np.ndarray  # bytes, one per person
    person_starts: np.ndarray  # index of each person's first row in `vectors`, and the end
    row_people: np.ndarray  # the person (index) of each row
    int8_codes: Any = None  # a faiss IndexScalarQuantizer of `vectors`, for large galleries

    @classmethod
    def from_rows(
        cls,
        version: int,
        rows: Iterable[tuple[str, str, bytes]],
        *,
        exact_search_max_faces: int | None = None,
    ) -> Gallery:
        """A gallery of (person key, face id, float32 vector) rows ordered by person key, with
        int8 codes past `exact_search_max_faces`. The vectors are copied block by block and the
        keys kept as bytes: at a million faces, a Python object per row would take more memory
        than the vectors."""
        blocks, keys, face_ids = [], [], []
        block = np.empty((LOAD_BLOCK_ROWS, DESCRIPTOR_SIZE), dtype=np.float32)
        filled = 0
        for person_key, face_id, vector in rows:
            if filled == LOAD_BLOCK_ROWS:
                blocks.append(block)
                block, filled = np.empty_like(block), 0
            block[filled] = np.frombuffer(vector, dtype="<f4")
            keys.append(person_key.encode())
            face_ids.append(face_id.encode())
            filled += 1
        vectors = np.concatenate([*blocks, block[:filled]])
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        row_keys = np.array(keys, dtype=bytes) if keys else np.zeros(0, dtype="S1")
        starts = np.flatnonzero(np.r_[True, row_keys[1:] != row_keys[:-1]]) if keys else []
        bounds = np.r_[starts, len(row_keys)].astype(np.intp)
        return cls(
            version=version,
            vectors=vectors,
            face_ids=np.array(face_ids, dtype=bytes) if face_ids else np.zeros(0, dtype="S1"),
            person_keys=row_keys[starts],
            person_starts=bounds,
            row_people=np.repeat(np.arange(len(starts)), np.diff(bounds)),
            int8_codes=(
                _int8_codes(vectors)
                if exact_search_max_faces is not None and len(vectors) > exact_search_max_faces
                else None
            ),
        )

    def save(self, folder: Path) -> None:
        for name in ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        if self.int8_codes is not None:
            import faiss

            faiss.write_index(self.int8_codes, str(folder / INT8_FILE))

    @classmethod
    def open(cls, version: int, folder: Path) -> Gallery:
        """A saved gallery, memory-mapped (shared with every process that maps it)."""
        arrays = {
            name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            for name in ARRAYS
        }
        int8_codes = None
        if (folder / INT8_FILE).exists():
            import faiss

            int8_codes = faiss.read_index(str(folder / INT8_FILE), faiss.IO_FLAG_MMAP_IFC)
        return cls(version=version, **arrays, int8_codes=int8_codes)

    def closest_people(
        self, query: np.ndarray, count: int, *, skip_row: int | None = None
    ) -> list[tuple[str, str, float]]:
        """(person key, face id of their best photo, score) of the `count` best people, best
        first. A person's score is the mean cosine of their two best photos (their one photo's
        with only one): a stranger rarely resembles two photos of someone. `skip_row` is left
        out (a face compared with everyone else: scored exactly, never by int8 codes).

        Only the people owning the nearest photos are scored. That is exact: nobody else has a
        photo nearer than the farthest of those, so nobody else can score more."""
        if not len(self.vectors):
            return []
        exact = self.int8_codes is None or skip_row is not None
        cosines = self.vectors @ query if exact else None
        if skip_row is not None:
            cosines[skip_row] = -np.inf
        candidate_rows = CANDIDATE_PHOTOS
        while True:
            if candidate_rows >= len(self.vectors):
                people, floor = np.arange(len(self.person_keys)), -np.inf
            else:
                rows, floor = self._nearest_rows(query, cosines, candidate_rows)
                people = np.unique(self.row_people[rows])
            scores = (self._score(query, cosines, person, skip_row) for person in people)
            scored = sorted((score for score in scores if score is not None), reverse=True)
            if (len(scored) >= count and scored[count - 1][0] >= floor) or floor == -np.inf:
                break
            candidate_rows *= 8
        return [
            (self.person_keys[person].decode(), self.face_ids[best_row].decode(), score)
            for score, person, best_row in scored[:count]
        ]

    def closest_people_to_face(self, face_id: str, count: int) -> list[tuple[str, str, float]]:
        """`closest_people` of one of the gallery's faces, that face left out: its own person
        is scored by their other photos only (and not listed without any). Empty when the face
        is not in this gallery."""
        rows = np.flatnonzero(self.face_ids == face_id.encode())
        if not len(rows):
            return []
        row = int(rows[0])
        return self.closest_people(np.asarray(self.vectors[row]), count, skip_row=row)

    def _nearest_rows(
        self, query: np.ndarray, cosines: np.ndarray | None, count: int
    ) -> tuple[np.ndarray, float]:
        """The `count` nearest rows and the (approximate, with int8 codes) cosine of the
        farthest of them."""
        if cosines is None:
            approximate, rows = self.int8_codes.search(query.reshape(1, -1), count)
            return rows[0][rows[0] >= 0], float(approximate[0].min())
        rows = np.argpartition(-cosines, count - 1)[:count]
        return rows, float(cosines[rows].min())

    def _score(
        self, query: np.ndarray, cosines: np.ndarray | None, person: int, skip_row: int | None
    ) -> tuple[float, int, int] | None:
        start, end = int(self.person_starts[person]), int(self.person_starts[person + 1])
        own = cosines[start:end] if cosines is not None else self.vectors[start:end] @ query
        rows = None  # own[i] is row start + i, unless a skipped row is taken out
        if skip_row is not None and start <= skip_row < end:
            rows = np.delete(np.arange(start, end), skip_row - start)
            own = np.delete(own, skip_row - start)
            if not len(own):
                return None
        if len(own) == 1:
            best = second = 0
        else:
            second, best = np.argpartition(-own, 1)[1::-1] if len(own) > 2 else np.argsort(own)
        best_row = start + best if rows is None else rows[best]
        return float(own[best] + own[second]) / 2, int(person), int(best_row)


def _int8_codes(vectors: np.ndarray) -> Any:
    """The vectors as 8-bit codes (a range per dimension), searchable by inner product."""
    import faiss

    codes = faiss.IndexScalarQuantizer(
        vectors.shape[1], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    codes.train(vectors)
    codes.add(vectors)
    return codes


def load(
    version: int,
    rows: Iterable[tuple[str, str, bytes]],
    *,
    model: str,
    folder: Path | None,
    exact_search_max_faces: int | None = None,
) -> Gallery:
    """The gallery of `version`: in this process only without a snapshot folder, else the
    shared snapshot, written first by whichever process gets there first."""
    if folder is None:
        return Gallery.from_rows(version, rows, exact_search_max_faces=exact_search_max_faces)
    snapshot = folder / f"{model}-{version}"
    if not (snapshot / "complete").exists():
        with _locked(folder):
            if not (snapshot / "complete").exists():
                gallery = Gallery.from_rows(
                    version, rows, exact_search_max_faces=exact_search_max_faces
                )
                _write(gallery, snapshot)
                _delete_older(folder, model, keep=snapshot)
    return Gallery.open(version, snapshot)


def _write(gallery: Gallery, snapshot: Path) -> None:
    """Write into a fresh folder beside it, then rename: readers see all files or none."""
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=snapshot.parent))
    gallery.save(partial)
    (partial / "complete").touch()
    os.rename(partial, snapshot)


def _delete_older(folder: Path, model: str, *, keep: Path) -> None:
    for other in folder.glob(f"{model}-*"):
        if other != keep:
            shutil.rmtree(other, ignore_errors=True)
    for partial in folder.glob(".partial-*"):  # left by a process that died mid-write
        shutil.rmtree(partial, ignore_errors=True)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
