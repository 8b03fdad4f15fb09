"""Writes of people: registration, consent, deny list and erasure."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Employee, FacePhoto, Person, Visitor
from insight.services import analyses_forget_person
from recognition.engines import get_engine
from recognition.services import photo_delete, photo_reindex, photo_remove_face


def _with_consent_time(fields: dict[str, Any]) -> dict[str, Any]:
    """Consent given at registration (`consent_recorded_by`) is dated now unless a time is given."""
    if fields.get("consent_recorded_by") and not fields.get("consent_recorded_at"):
        return fields | {"consent_recorded_at": timezone.now()}
    return fields


def _person_create(model: type[Employee | Visitor], fields: dict[str, Any]):
    person = model(**_with_consent_time(fields))
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def employee_create(**fields: Any) -> Employee:
    """Register an employee (validated); their photos are added with `photo_enroll`."""
    return _person_create(Employee, fields)


@transaction.atomic
def visitor_create(**fields: Any) -> Visitor:
    """Register a visitor (validated); their photos are added with `photo_enroll`."""
    return _person_create(Visitor, fields)


@transaction.atomic
def person_update(*, person: Person, **fields: Any) -> Person:
    """Change a person's fields.

    Recording consent queues their waiting photos for indexing; withdrawing it (clearing who
    recorded it) removes their faces from the collection.
    """
    had_consent = Person.objects.filter(pk=person.pk, consent_recorded_at__isnull=False).exists()
    for field, value in fields.items():
        setattr(person, field, value)
    if not person.consent_recorded_by:
        person.consent_recorded_at = None
    elif person.consent_recorded_at is None:
        person.consent_recorded_at = timezone.now()
    person.full_clean()
    person.save()
    if person.has_consent and not had_consent:
        photos_reindex(person=person, only_waiting=True)
    elif had_consent and not person.has_consent:
        for photo in person.photos.exclude(face_id=""):
            photo_remove_face(photo=photo)  # consent withdrawn: no face stays indexed
    return person


@transaction.atomic
def consent_record(*, person: Person, recorded_by: str) -> Person:
    """Record that the person consented to biometric processing, and index their photos."""
    return person_update(
        person=person, consent_recorded_by=recorded_by, consent_recorded_at=timezone.now()
    )


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


def person_erase(*, person: Person) -> None:
    """Delete a person with every photo and face; the audit log keeps their name, analysed
    images do not: their faces become unknown, in the database and in the metadata JSON."""
    with transaction.atomic():
        # First: dropping a Rekognition user vector frees its faces for DeleteFaces.
        get_engine().forget_person(str(person.pk))
        for photo in person.photos.all():
            photo_delete(photo=photo)
        analyses_forget_person(person_id=person.pk)
        Person.objects.filter(pk=person.pk).delete()
