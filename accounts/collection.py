"""The face collection of enrolled people: the engine settings name, with the embedded engine's
vectors kept in this app's tables (`StoredFace`)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator, Sequence

from django.db import transaction

from accounts.models import CollectionVersion, StoredFace
from vision.faces import enrolment_gate
from vision.faces import face_collection as vision_face_collection
from vision.faces.base import FaceCollection, FaceRejected, FaceRejection
from vision.images import PreparedImage

COLLECTION = "local"


class DatabaseFaceStore:
    """`vision`'s `FaceVectorStore` in the database: each change moves the collection's version
    in the same transaction, so that every process reloads its copy."""

    def add(self, *, person_key: str, vector: bytes, model: str) -> str:
        with transaction.atomic():
            stored = StoredFace.objects.create(person_key=person_key, vector=vector, model=model)
            _bump_version()
        return str(stored.face_id)

    def delete(self, face_ids: Sequence[str]) -> None:
        valid = [face_id for face_id in face_ids if _is_uuid(face_id)]
        with transaction.atomic():
            deleted, _ = StoredFace.objects.filter(face_id__in=valid).delete()
            if deleted:
                _bump_version()

    def delete_person(self, person_key: str) -> None:
        with transaction.atomic():
            deleted, _ = StoredFace.objects.filter(person_key=person_key).delete()
            if deleted:
                _bump_version()

    def version(self) -> int:
        return (
            CollectionVersion.objects.filter(name=COLLECTION)
            .values_list("version", flat=True)
            .first()
            or 0
        )

    def vectors(self, model: str | None = None) -> Iterator[tuple[str, str, bytes]]:
        rows = StoredFace.objects.order_by("person_key", "face_id")
        if model is not None:
            rows = rows.filter(model=model)
        rows = rows.values_list("person_key", "face_id", "vector")
        for person_key, face_id, vector in rows.iterator(chunk_size=5000):
            yield person_key, str(face_id), bytes(vector)


STORE = DatabaseFaceStore()


def face_collection(name: str = "") -> FaceCollection:
    """The face collection of the engine called `name` (default: IMAGESIFT_ENGINE)."""
    return vision_face_collection(name, store=STORE)


def _is_uuid(face_id: str) -> bool:
    try:
        uuid.UUID(face_id)
    except ValueError:
        return False
    return True


def _bump_version() -> None:
    """A new random version for every change, never a count: a count starts again after a
    restored backup or a flushed test database, and would name a gallery snapshot (in a process
    or on disk) of other faces."""
    updated = CollectionVersion.objects.filter(name=COLLECTION).update(version=secrets.randbits(62))
    if not updated:
        CollectionVersion.objects.get_or_create(
            name=COLLECTION, defaults={"version": secrets.randbits(62)}
        )


def face_quality_check(image: PreparedImage) -> None:
    """Raise `FaceRejected` unless the image holds exactly one face good enough to enrol: the
    check indexing makes, asked at once so that a person taking their own photo can retake it."""
    faces = face_collection().detect_faces(image)
    if not faces:
        raise FaceRejected(FaceRejection.NO_FACE)
    if len(faces) > 1:
        raise FaceRejected(FaceRejection.SEVERAL_FACES, f"{len(faces)} faces in the picture")
    enrolment_gate().check(faces[0])
