"""Builders of people, their photos and verifications, through the same services the product
uses: what a test needs before it can act."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts import services as people
from accounts.models import Employee, FacePhoto, Person, Visitor
from recognition import services as recognition
from recognition.models import Verification
from tests.uploads import upload


def make_employee(name: str = "Ada Lovelace", *, consent: bool = True, **fields) -> Employee:
    fields.setdefault("staff_number", f"E-{Employee.objects.count() + 1:05d}")
    if consent:
        fields |= {"consent_recorded_by": "test", "consent_recorded_at": timezone.now()}
    return people.employee_create(name=name, **fields)


def make_visitor(
    name: str = "Grace Hopper",
    *,
    consent: bool = True,
    starts_in=timedelta(hours=-1),
    lasts=timedelta(hours=4),
    **fields,
) -> Visitor:
    start = timezone.now() + starts_in
    if consent:
        fields |= {"consent_recorded_by": "test", "consent_recorded_at": timezone.now()}
    return people.visitor_create(name=name, visit_start=start, visit_end=start + lasts, **fields)


def enroll(person: Person, *paths: Path) -> list[FacePhoto]:
    """Enrol photos the way the API does: stored, then indexed when the transaction commits."""
    photos = []
    for path in paths:
        with transaction.atomic():
            photo = people.photo_enroll(person=person, upload=path.read_bytes())
        photo.refresh_from_db()
        photos.append(photo)
    return photos


def verify(image: Path | bytes, channel: str = "api") -> Verification:
    """Verify a photo (a path or its bytes) through the service, as the API does."""
    content = image.read_bytes() if isinstance(image, Path) else image
    return recognition.verification_perform(upload=content, channel=channel)


def post_verification(client, content: bytes, **fields):
    """Verify a photo through the API as `client`: the response."""
    return client.post(
        "/api/v1/verifications/", {"image": upload(content), **fields}, format="multipart"
    )


def photo_url(person: Person, photo: FacePhoto | None = None) -> str:
    """The API's address of a person's photos, or of one of them."""
    base = "/api/v1/employees/" if person.kind == Person.Kind.EMPLOYEE else "/api/v1/visitors/"
    return f"{base}{person.pk}/photos/" + (f"{photo.pk}/" if photo else "")


def post_photo(client, person: Person, content: bytes):
    """Enrol a photo through the API as `client`: the response."""
    return client.post(photo_url(person), {"image": upload(content)}, format="multipart")


def stored(photo: FacePhoto) -> bool:
    """Whether a photo's file is in storage."""
    return photo.image.storage.exists(photo.image.name)
