"""Writes of the recognition app: enrolling photos into the face collection and verifying faces."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import FacePhoto, Person
from accounts.selectors import people_by_keys
from recognition import tasks
from recognition.decisions import decide
from recognition.engines import enrolment_gate, get_engine, match_threshold
from recognition.engines.base import FaceRejected
from recognition.images import ImageRejected, PreparedImage, prepare_image
from recognition.models import Verification

logger = logging.getLogger(__name__)


# --- enrolment ------------------------------------------------------------------------------
def photo_enroll(*, person: Person, upload: IO[bytes] | bytes) -> FacePhoto:
    """Store a checked photo for a person and index its face once the transaction commits.

    Raises `ImageRejected` (nothing stored) when the upload is not a usable image.
    """
    image = prepare_image(upload)
    photo = FacePhoto(person=person, content_sha256=hashlib.sha256(image.content).hexdigest())
    photo.image.save(f"upload{image.extension}", ContentFile(image.content), save=False)
    try:
        photo.save()
    except Exception:
        photo.image.delete(save=False)
        raise
    tasks.schedule_photo_index(photo.pk)
    return photo


def photo_index(*, photo_id: int) -> FacePhoto | None:
    """Index (or re-index) a photo's face; records the rejection reason when it cannot be.

    The body of the indexing task. Returns None when the photo no longer exists.
    """
    photo = FacePhoto.objects.select_related("person").filter(pk=photo_id).first()
    if photo is None:
        return None
    engine = get_engine()
    if photo.face_id:
        engine.delete_faces([photo.face_id])
    changes: dict = {"face_id": "", "face_box": None, "indexed_at": None, "rejection_reason": ""}
    if not photo.person.has_consent:
        changes |= {"state": FacePhoto.State.REJECTED, "rejection_reason": "no_consent"}
    else:
        try:
            with photo.image.open("rb") as stored:
                image = prepare_image(stored.read(), storage_name=photo.image.name)
            indexed = engine.index_face(
                image, person_key=str(photo.person_id), gate=enrolment_gate()
            )
        except ImageRejected as rejected:
            logger.warning("Photo %s is unreadable: %s", photo.pk, rejected.message)
            changes |= {"state": FacePhoto.State.REJECTED, "rejection_reason": "unreadable"}
        except FaceRejected as rejected:
            changes |= {"state": FacePhoto.State.REJECTED, "rejection_reason": rejected.reason}
        else:
            changes |= {
                "state": FacePhoto.State.INDEXED,
                "face_id": indexed.face_id,
                "face_box": indexed.face.box.as_dict(),
                "indexed_at": timezone.now(),
            }
    if not FacePhoto.objects.filter(pk=photo.pk).update(**changes) and changes["face_id"]:
        engine.delete_faces([changes["face_id"]])  # the photo was deleted meanwhile
    for field, value in changes.items():
        setattr(photo, field, value)
    return photo


def photo_reindex(*, photo: FacePhoto) -> None:
    """Queue a photo for indexing again (after consent was recorded, or to retry)."""
    FacePhoto.objects.filter(pk=photo.pk).update(state=FacePhoto.State.PENDING)
    tasks.schedule_photo_index(photo.pk)


def photo_remove_face(*, photo: FacePhoto) -> None:
    """Take a photo's face out of the collection but keep the photo."""
    with transaction.atomic():
        if photo.face_id:
            get_engine().delete_faces([photo.face_id])
        photo.state, photo.face_id, photo.indexed_at = FacePhoto.State.REMOVED, "", None
        photo.save(update_fields=["state", "face_id", "indexed_at"])


def photo_delete(*, photo: FacePhoto) -> None:
    """Delete a photo: its face from the collection, its file from storage, and its row."""
    with transaction.atomic():
        if photo.face_id:
            get_engine().delete_faces([photo.face_id])
        photo.delete()
    photo.image.delete(save=False)


# --- verification ---------------------------------------------------------------------------
def verification_perform(
    *,
    upload: IO[bytes] | bytes,
    channel: str,
    operator: AbstractBaseUser | None = None,
) -> Verification:
    """Decide who is in the image and record the verification in the audit log.

    Raises `ImageRejected` for unusable uploads (nothing is recorded then).
    """
    started = time.perf_counter()
    image = prepare_image(upload)
    search = get_engine().search_face(image, threshold=match_threshold())
    people = people_by_keys(match.person_key for match in search.matches)
    match = next((match for match in search.matches if match.person_key in people), None)
    person = people[match.person_key] if match else None
    outcome = decide(person, face_found=search.face is not None, now=timezone.now())
    return verification_record(
        image=image,
        channel=channel,
        operator=operator,
        decision=outcome.decision,
        reason=outcome.reason,
        person=person,
        similarity=match.similarity if match else None,
        face_box=search.face.box.as_dict() if search.face else None,
        faces_seen=search.faces_seen,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def verification_record(
    *,
    image: PreparedImage,
    channel: str,
    operator: AbstractBaseUser | None,
    decision: str,
    reason: str,
    person: Person | None,
    similarity: float | None,
    face_box: dict | None,
    faces_seen: int,
    duration_ms: float,
) -> Verification:
    """Append a verification to the audit log, keeping the probe for the retention period."""
    now = timezone.now()
    verification = Verification(
        created_at=now,
        channel=channel,
        operator=operator if operator and operator.is_authenticated else None,
        operator_name=operator.get_username() if operator and operator.is_authenticated else "",
        decision=decision,
        reason=reason,
        person=person,
        person_name=person.name if person else "",
        similarity=similarity,
        face_box=face_box,
        faces_seen=faces_seen,
        engine=get_engine().name,
        duration_ms=round(duration_ms, 1),
    )
    retention_days = settings.IMAGESIFT_PROBE_RETENTION_DAYS
    if retention_days > 0:
        verification.probe_expires_at = now + timedelta(days=retention_days)
        verification.probe_image.save(
            f"probe{image.extension}", ContentFile(image.content), save=False
        )
    try:
        verification.save()
    except Exception:
        verification.probe_image.delete(save=False)
        raise
    return verification


def verification_probes_purge(*, now=None) -> int:
    """Delete probe images whose retention period is over; the log rows stay. Returns a count."""
    now = now or timezone.now()
    expired = Verification.objects.filter(probe_expires_at__lte=now).exclude(probe_image="")
    purged = 0
    for verification in expired.iterator():
        verification.probe_image.delete(save=False)
        Verification.objects.filter(pk=verification.pk).update(
            probe_image="", probe_expires_at=None
        )
        purged += 1
    return purged
