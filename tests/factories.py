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
from visits import services as visits
from visits.models import Visit


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
    host: Employee | None = None,
    status: str = Visit.Status.EXPECTED,
    **fields,
) -> Visitor:
    """A visitor with one visit (from now + `starts_in`, lasting `lasts`) in `status`; a
    checked-in one is checked in through the service, as the desk does."""
    if consent:
        fields |= {"consent_recorded_by": "test", "consent_recorded_at": timezone.now()}
    visitor = people.visitor_create(name=name, **fields)
    make_visit(visitor, starts_in=starts_in, lasts=lasts, host=host, status=status)
    return visitor


def make_visit(
    visitor: Visitor,
    *,
    starts_in=timedelta(hours=-1),
    lasts=timedelta(hours=4),
    host: Employee | None = None,
    status: str = Visit.Status.EXPECTED,
) -> Visit:
    start = timezone.now() + starts_in
    visit = visits.visit_create(visitor=visitor, starts_at=start, ends_at=start + lasts, host=host)
    if status in (Visit.Status.CHECKED_IN, Visit.Status.CHECKED_OUT):
        visits.visit_check_in(visit=visit, now=min(timezone.now(), visit.ends_at))
    if status == Visit.Status.CHECKED_OUT:
        visits.visit_check_out(visit=visit)
    elif status not in (Visit.Status.EXPECTED, Visit.Status.CHECKED_IN):
        Visit.objects.filter(pk=visit.pk).update(status=status)
        visit.refresh_from_db()
    return visit


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
