"""Reads of people; no writes here."""

from __future__ import annotations

import random
from collections.abc import Iterable

from django.db.models import Min, Q, QuerySet, Subquery

from accounts.models import Employee, FacePhoto, Person, Visitor


def person_specific(person_id: int) -> Employee | Visitor | None:
    """The employee or visitor with this person id, or None."""
    person = Person.objects.select_related("employee", "visitor").filter(pk=person_id).first()
    return as_specific(person) if person else None


def as_specific(person: Person) -> Employee | Visitor:
    """The Employee or Visitor behind a Person row."""
    if isinstance(person, Employee | Visitor):
        return person
    return person.employee if person.kind == Person.Kind.EMPLOYEE else person.visitor


def people_by_keys(person_keys: Iterable[str]) -> dict[str, Employee | Visitor]:
    """People by the keys the face collection knows them by (their primary keys as text)."""
    ids = [int(key) for key in person_keys if key.isdigit()]
    people = Person.objects.select_related("employee", "visitor").filter(pk__in=ids)
    return {str(person.pk): as_specific(person) for person in people}


def people_enrolled() -> QuerySet[Person]:
    """People with at least one photo in the face collection, by name."""
    return Person.objects.filter(photos__state=FacePhoto.State.INDEXED).distinct().order_by("name")


def _search(queryset: QuerySet, search: str, *fields: str) -> QuerySet:
    if not search:
        return queryset
    condition = Q()
    for field in ("name", "email", *fields):
        condition |= Q(**{f"{field}__icontains": search})
    return queryset.filter(condition)


def employees_list(*, search: str = "", active: bool | None = None) -> QuerySet[Employee]:
    queryset = _search(Employee.objects.all(), search, "staff_number", "department")
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset.prefetch_related("photos")


def visitors_list(*, search: str = "") -> QuerySet[Visitor]:
    """Visitors, by name; their visits are listed by `visits.selectors.visits_list`."""
    return _search(Visitor.objects.all(), search, "company").prefetch_related("photos")


def photo_for_display(person: Person) -> FacePhoto | None:
    """The photo to show for a person: the first indexed one, else the first at all."""
    photos = list(person.photos.all())
    indexed = [photo for photo in photos if photo.state == FacePhoto.State.INDEXED]
    return (indexed or photos or [None])[0]


def photo_id_for_file(name: str) -> int | None:
    """The id of the photo stored under this storage name, or None."""
    return FacePhoto.objects.filter(image=name).values_list("pk", flat=True).first()


def photos_needing_reindex(model_key: str) -> QuerySet[FacePhoto]:
    """Photos indexed by another face model (or collection) than `model_key`: the collection
    does not search their faces until they are indexed again (`manage.py reindex`)."""
    return FacePhoto.objects.filter(state=FacePhoto.State.INDEXED).exclude(face_model=model_key)


def photo_needs_reindex(photo: FacePhoto, model_key: str) -> bool:
    """One photo's answer to `photos_needing_reindex`."""
    return photo.state == FacePhoto.State.INDEXED and photo.face_model != model_key


def one_face_per_person(model_key: str, *, limit: int) -> list[tuple[int, str]]:
    """(person id, face id) of the first indexed photo of up to `limit` people, picked at
    random: the probes a gallery measurement compares with everyone else."""
    indexed = FacePhoto.objects.filter(state=FacePhoto.State.INDEXED, face_model=model_key)
    first_photos = indexed.values("person_id").annotate(first=Min("pk")).values("first")
    faces = list(
        FacePhoto.objects.filter(pk__in=Subquery(first_photos))
        .order_by("person_id")
        .values_list("person_id", "face_id")
    )
    return sorted(random.sample(faces, limit)) if len(faces) > limit else faces


def visitor_returning(*, email: str = "", name: str = "") -> Visitor | None:
    """The registered visitor someone is again: by email address when there is one (the first
    registered, if several), else by exactly this name; None for a newcomer."""
    visitors = Visitor.objects.order_by("pk")
    if email:
        return visitors.filter(email__iexact=email).first()
    return visitors.filter(name=name).first() if name else None
