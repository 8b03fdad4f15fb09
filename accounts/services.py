"""Writes of people and their photos: registration, consent, deny list, enrolment, indexing and
erasure."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.advice import enrolment_advice
from accounts.collection import face_collection
from accounts.models import Employee, FacePhoto, Person, Visitor
from accounts.signals import person_erased
from core.jobs import WorkQueue, schedule
from notifications.events import Event
from notifications.services import notify
from vision.errors import ImageRejected
from vision.faces import enrolment_gate
from vision.faces.base import FaceCollection, FaceRejected
from vision.images import prepare_image

logger = logging.getLogger(__name__)

INDEX_PHOTO_TASK = "accounts.tasks.index_photo"
PHOTO_INDEXING = WorkQueue(
    FacePhoto, "state", pending=FacePhoto.State.PENDING, running=FacePhoto.State.INDEXING
)
# What `person_update` may change: everything a person's form shows.
PERSON_FIELDS = {
    "name",
    "email",
    "denied",
    "denied_reason",
    "consent_recorded_by",
    "consent_recorded_at",
    "consent_notice_version",
}
UPDATABLE_FIELDS = {
    Employee: PERSON_FIELDS | {"staff_number", "department", "active"},
    Visitor: PERSON_FIELDS | {"company"},
}


# --- people ---------------------------------------------------------------------------------
@transaction.atomic
def employee_create(
    *,
    name: str,
    staff_number: str,
    email: str = "",
    department: str = "",
    active: bool = True,
    denied: bool = False,
    denied_reason: str = "",
    consent_recorded_by: str = "",
    consent_recorded_at: datetime | None = None,
) -> Employee:
    """Register an employee (validated); their photos are added with `photo_enroll`."""
    employee = Employee(
        name=name,
        staff_number=staff_number,
        email=email,
        department=department,
        active=active,
        denied=denied,
        denied_reason=denied_reason,
        consent_recorded_by=consent_recorded_by,
        consent_recorded_at=consent_recorded_at,
    )
    return _person_save(employee)


@transaction.atomic
def visitor_create(
    *,
    name: str,
    email: str = "",
    company: str = "",
    denied: bool = False,
    denied_reason: str = "",
    consent_recorded_by: str = "",
    consent_recorded_at: datetime | None = None,
) -> Visitor:
    """Register a visitor (validated); their photos are added with `photo_enroll`, their stays
    with `visits.services.visit_create`."""
    visitor = Visitor(
        name=name,
        email=email,
        company=company,
        denied=denied,
        denied_reason=denied_reason,
        consent_recorded_by=consent_recorded_by,
        consent_recorded_at=consent_recorded_at,
    )
    return _person_save(visitor)


def _person_save(person: Employee | Visitor) -> Employee | Visitor:
    """Validate and save a person. Consent is recorded by naming who recorded it: dated now
    unless a time is given, and undated when nobody is named."""
    if not person.consent_recorded_by:
        person.consent_recorded_at, person.consent_notice_version = None, ""
    elif person.consent_recorded_at is None:
        person.consent_recorded_at = timezone.now()
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Employee | Visitor, data: Mapping[str, Any]) -> Employee | Visitor:
    """Change a person's fields (those of `UPDATABLE_FIELDS`).

    Recording consent queues their waiting photos for indexing; withdrawing it (clearing who
    recorded it) takes their faces out of the collection and stops any indexing under way.
    """
    unknown = set(data) - UPDATABLE_FIELDS[type(person)]
    if unknown:
        raise TypeError(f"{type(person).__name__} has no updatable {', '.join(sorted(unknown))}.")
    had_consent = Person.objects.filter(pk=person.pk, consent_recorded_at__isnull=False).exists()
    for field, value in data.items():
        setattr(person, field, value)
    _person_save(person)
    if person.has_consent and not had_consent:
        photos_reindex(person=person, only_waiting=True)
    elif had_consent and not person.has_consent:
        _photos_without_consent(person)
    return person


@transaction.atomic
def consent_record(*, person: Employee | Visitor, recorded_by: str) -> Employee | Visitor:
    """Record that the person consented to biometric processing, and index their photos."""
    return person_update(
        person=person,
        data={"consent_recorded_by": recorded_by, "consent_recorded_at": timezone.now()},
    )


def person_erase(*, person: Person) -> None:
    """Delete a person with every photo and face. The audit log keeps their name; other apps
    forget them as `person_erased` tells them (analysed images: their faces become unknown)."""
    with transaction.atomic():
        # First: dropping a Rekognition user vector frees its faces for DeleteFaces.
        face_collection().forget_person(str(person.pk))
        for photo in person.photos.all():
            photo_delete(photo=photo)
        person_erased.send(sender=Person, person_id=person.pk)
        Person.objects.filter(pk=person.pk).delete()


# --- photos ---------------------------------------------------------------------------------
def photo_enroll(*, person: Person, upload: IO[bytes] | bytes) -> FacePhoto:
    """Store a checked photo for a person and index its face once the transaction commits.

    Raises `ImageRejected` (nothing stored) when the upload is not a usable image.
    """
    image = prepare_image(upload)
    photo = FacePhoto(person=person, content_sha256=hashlib.sha256(image.content).hexdigest())
    photo.image.save(f"upload{image.extension}", ContentFile(image.content), save=False)
    try:
        with transaction.atomic():
            photo.save()
            schedule(INDEX_PHOTO_TASK, photo.pk)
    except Exception:
        photo.image.delete(save=False)
        raise
    return photo


def photo_index(*, photo_id: int) -> bool:
    """Index a waiting photo's face, or record why it cannot be: the body of the indexing task.

    The photo is claimed, its face indexed with no transaction open, and the result written
    back only while the claim holds: a photo deleted, removed or queued again meanwhile keeps
    no face of this call. Returns whether this call indexed it (False: it was not waiting, it
    changed meanwhile, or the engine is unavailable and it waits again).
    """
    return PHOTO_INDEXING.process(photo_id, _index_claimed)


def _index_claimed(photo_id: int, claimed_at: datetime) -> bool:
    photo = FacePhoto.objects.select_related("person").filter(pk=photo_id).first()
    if photo is None:
        return False
    collection = face_collection()
    if photo.face_id:  # indexed before: the old face goes first, never to outlive the row
        collection.delete_faces([photo.face_id])
    result = _index_result(photo, collection)
    with transaction.atomic():
        written = PHOTO_INDEXING.finish(photo_id, claimed_at, **result)
        if written and result["state"] == FacePhoto.State.INDEXED:
            _announce_enrolled(photo, result)
    if not written:
        if result["face_id"]:
            collection.delete_faces([result["face_id"]])
        logger.info("Photo %s changed while it was indexed; its new face is deleted.", photo_id)
        return False
    return True


def _announce_enrolled(photo: FacePhoto, result: dict[str, Any]) -> None:
    person = photo.person
    notify(
        Event.PERSON_ENROLLED,
        {
            "summary": f"{person.name} ({person.get_kind_display().lower()}) has a photo enrolled",
            "person": {"id": person.pk, "kind": person.kind, "name": person.name},
            "photo": photo.pk,
            "indexed_at": result["indexed_at"].isoformat(),
            "advice": result.get("advice", ""),
        },
    )


def _index_result(photo: FacePhoto, collection: FaceCollection) -> dict[str, Any]:
    """The photo's new state: indexed with its face, or rejected with the reason."""
    result: dict[str, Any] = {
        "face_id": "",
        "face_model": "",
        "face_box": None,
        "indexed_at": None,
        "rejection_reason": "",
        "state": FacePhoto.State.REJECTED,
        "advice": "",
        "advice_person": None,
        "advice_similarity": None,
    }
    if not photo.person.has_consent:
        return result | {"rejection_reason": FacePhoto.Rejection.NO_CONSENT}
    try:
        with photo.image.open("rb") as stored:
            image = prepare_image(stored.read(), storage_name=photo.image.name)
        indexed = collection.index_face(
            image, person_key=str(photo.person_id), gate=enrolment_gate()
        )
    except ImageRejected as rejected:
        logger.warning("Photo %s is unreadable: %s", photo.pk, rejected.message)
        return result | {"rejection_reason": FacePhoto.Rejection.UNREADABLE}
    except FaceRejected as rejected:
        return result | {"rejection_reason": rejected.reason.value}
    return result | {
        "state": FacePhoto.State.INDEXED,
        "face_id": indexed.face_id,
        "face_model": collection.model_key,
        "face_box": indexed.face.box.as_dict(),
        "indexed_at": timezone.now(),
        **enrolment_advice(photo, indexed.face_id, collection),
    }


def photo_reindex(*, photo: FacePhoto) -> None:
    """Queue a photo for indexing again (after consent was recorded, or to retry)."""
    with transaction.atomic():
        FacePhoto.objects.filter(pk=photo.pk).update(state=FacePhoto.State.PENDING)
        schedule(INDEX_PHOTO_TASK, photo.pk)


def photos_reindex(*, person: Person, only_waiting: bool = False) -> int:
    """Queue a person's photos for indexing; `only_waiting` skips photos already indexed."""
    photos = person.photos.all()
    if only_waiting:
        photos = photos.exclude(state=FacePhoto.State.INDEXED)
    count = 0
    for photo in photos:
        photo_reindex(photo=photo)
        count += 1
    return count


def photo_remove_face(*, photo: FacePhoto) -> None:
    """Take a photo's face out of the collection but keep the photo."""
    with transaction.atomic():
        if photo.face_id:
            face_collection().delete_faces([photo.face_id])
        photo.state, photo.face_id, photo.indexed_at = FacePhoto.State.REMOVED, "", None
        FacePhoto.objects.filter(pk=photo.pk).update(
            state=photo.state, face_id=photo.face_id, indexed_at=None
        )


def photos_remove_faces(*, people: list[Person]) -> int:
    """Take every face of these people out of the collection, keeping their photos."""
    photos = FacePhoto.objects.filter(person__in=people).exclude(face_id="")
    count = 0
    for photo in photos:
        photo_remove_face(photo=photo)
        count += 1
    return count


def _photos_without_consent(person: Person) -> None:
    """Consent withdrawn: no face stays indexed, and no indexing under way keeps its face."""
    photos_remove_faces(people=[person])
    person.photos.filter(state__in=[FacePhoto.State.PENDING, FacePhoto.State.INDEXING]).update(
        state=FacePhoto.State.REJECTED, rejection_reason=FacePhoto.Rejection.NO_CONSENT
    )


def rejected_photos_purge(*, now: datetime | None = None) -> int:
    """Delete the photos rejected (last tried) IMAGESIFT_REJECTED_PHOTO_RETENTION_DAYS ago or
    more: a face that cannot be used, or has no consent, is not kept on the chance. Each goes
    only while still rejected (consent recorded meanwhile queues it again). Returns a count."""
    days = settings.IMAGESIFT_REJECTED_PHOTO_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    rejected = FacePhoto.objects.filter(state=FacePhoto.State.REJECTED)
    purged = 0
    for photo in rejected.filter(claimed_at__lt=cutoff).iterator():
        deleted, _ = rejected.filter(pk=photo.pk).delete()
        if deleted:
            photo.image.delete(save=False)
            purged += 1
    return purged


def photo_delete(*, photo: FacePhoto) -> None:
    """Delete a photo: its face from the collection, its file from storage, and its row."""
    with transaction.atomic():
        if photo.face_id:
            face_collection().delete_faces([photo.face_id])
        photo.delete()
    photo.image.delete(save=False)


# --- the collection against the photos ------------------------------------------------------
@dataclass(frozen=True)
class CollectionCheck:
    """What the face collection holds that no photo accounts for, and the reverse."""

    orphan_face_ids: list[str]  # faces no photo holds: a deletion or erasure the engine missed
    photo_ids_without_face: list[int]  # photos marked indexed whose face the collection lacks

    @property
    def consistent(self) -> bool:
        return not self.orphan_face_ids and not self.photo_ids_without_face


def collection_check(*, repair: bool = False) -> CollectionCheck:
    """Hold the face collection against the photos, and with `repair` put it right: orphan
    faces are deleted (nobody is admitted by a face without a photo), and photos whose face is
    missing are indexed again. The faces of people with a photo waiting or being indexed are
    left alone: their task is about to write them back."""
    collection = face_collection()
    faces = dict(collection.faces())  # face id -> person key
    photos_by_face = dict(FacePhoto.objects.exclude(face_id="").values_list("face_id", "pk"))
    busy = {
        str(person_id)
        for person_id in FacePhoto.objects.filter(
            state__in=[FacePhoto.State.PENDING, FacePhoto.State.INDEXING]
        ).values_list("person_id", flat=True)
    }
    check = CollectionCheck(
        orphan_face_ids=sorted(
            face_id
            for face_id, person_key in faces.items()
            if face_id not in photos_by_face and person_key not in busy
        ),
        photo_ids_without_face=sorted(
            photo_id for face_id, photo_id in photos_by_face.items() if face_id not in faces
        ),
    )
    if repair and not check.consistent:
        collection.delete_faces(check.orphan_face_ids)
        for photo in FacePhoto.objects.filter(pk__in=check.photo_ids_without_face):
            photo_reindex(photo=photo)
        logger.warning(
            "Collection repaired: %s orphan face(s) deleted, %s photo(s) indexed again.",
            len(check.orphan_face_ids),
            len(check.photo_ids_without_face),
        )
    return check
