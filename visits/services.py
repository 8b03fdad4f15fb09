"""Writes of visits: plan one, change or cancel it, check the visitor in and out, and close the
visits whose time is over. Check-in and check-out are announced (`visit.checked_in` also
emails the host); each change of status is a conditional UPDATE, so two desks pressing the
same button change it once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Employee, FacePhoto, Visitor
from accounts.services import photos_reindex
from notifications.events import Event
from notifications.services import notify
from visits.models import Visit

logger = logging.getLogger(__name__)

Status = Visit.Status
# Statuses of a visit still to come or under way: it may be changed, cancelled or checked in.
PLANNED = (Status.INVITED, Status.EXPECTED)
UPDATABLE_FIELDS = {"host", "starts_at", "ends_at", "purpose"}
AUTOMATIC = "automatic"  # who the sweep's check-outs name


def user_name(user: AbstractBaseUser | None) -> str:
    """The name a record keeps of who did something (kept if the user goes)."""
    return user.get_username() if user is not None and user.is_authenticated else ""


def _signed_in(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def visit_create(
    *,
    visitor: Visitor,
    starts_at: datetime,
    ends_at: datetime,
    host: Employee | None = None,
    purpose: str = "",
    created_by: AbstractBaseUser | None = None,
    status: str = Status.EXPECTED,
) -> Visit:
    """Plan a visit (validated). An invitation is sent by `visits.invitations.visit_invite`.
    A returning visitor whose faces left the collection (`visits.retention`) gets them back:
    their kept photos are indexed again.

    Raises `ValidationError`, by field, for a window that ends before it starts, or a host who
    is no longer active."""
    visit = Visit(
        visitor=visitor,
        host=host,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=purpose,
        status=status,
        created_by_name=user_name(created_by),
    )
    _visit_check(visit)
    visit.save()
    if visitor.has_consent and visitor.photos.filter(state=FacePhoto.State.REMOVED).exists():
        photos_reindex(person=visitor, only_waiting=True)
    return visit


def _visit_check(visit: Visit) -> None:
    errors = {}
    if visit.starts_at and visit.ends_at and visit.ends_at <= visit.starts_at:
        errors["ends_at"] = "The visit must end after it starts."
    if visit.host is not None and not visit.host.active:
        errors["host"] = f"{visit.host.name} is no longer an active employee."
    if errors:
        raise ValidationError(errors)
    visit.full_clean()


@transaction.atomic
def visit_update(*, visit: Visit, data: Mapping[str, Any]) -> Visit:
    """Change a visit's window, host or purpose; only while it is planned or under way."""
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"A visit has no updatable {', '.join(sorted(unknown))}.")
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status not in (*PLANNED, Status.CHECKED_IN):
        raise ValidationError(
            {"status": f"A {visit.get_status_display().lower()} visit cannot be changed."}
        )
    for field, value in data.items():
        setattr(visit, field, value)
    _visit_check(visit)
    visit.save()
    return visit


def visit_cancel(*, visit: Visit, by: AbstractBaseUser | None = None) -> Visit:
    """Cancel a planned visit: the visitor is then told so at the door."""
    _transition(
        visit,
        from_statuses=PLANNED,
        refusal="Only a visit still to come can be cancelled",
        status=Status.CANCELLED,
    )
    logger.info("Visit %s cancelled by %s", visit.pk, user_name(by) or "nobody signed in")
    return visit


def can_check_in(visit: Visit | None, now: datetime | None = None) -> bool:
    """Whether `visit_check_in` would check this visit in now."""
    return (
        visit is not None and visit.status in PLANNED and (now or timezone.now()) <= visit.ends_at
    )


def visit_check_in(
    *,
    visit: Visit,
    by: AbstractBaseUser | None = None,
    verification_id: int | None = None,
    now: datetime | None = None,
) -> Visit:
    """Check the visitor in (by the desk, or by the `verification_id` that admitted them): a
    badge number is given, the host is emailed and `visit.checked_in` announced.

    Raises `ValidationError` for a visit that is cancelled, no-show, already checked in or out,
    or whose window is over (early arrivals may be checked in)."""
    now = now or timezone.now()
    if now > visit.ends_at and visit.status in PLANNED:
        raise ValidationError({"status": "The visit's window is over: plan a new visit."})
    with transaction.atomic():
        _transition(
            visit,
            from_statuses=PLANNED,
            refusal="Only an invited or expected visit can be checked in",
            status=Status.CHECKED_IN,
            checked_in_at=now,
            checked_in_by=_signed_in(by),
            checked_in_by_name=user_name(by),
            check_in_verification_id=verification_id,
            badge_number=badge_number(visit),
        )
        host_email = [visit.host.email] if visit.host and visit.host.email else []
        notify(Event.VISIT_CHECKED_IN, visit_event_data(visit, by=user_name(by)), emails=host_email)
    return visit


def visit_check_out(
    *, visit: Visit, by: AbstractBaseUser | None = None, automatic: bool = False
) -> Visit:
    """Check the visitor out (`automatic`: by the overdue sweep), announcing
    `visit.checked_out`. Raises `ValidationError` unless they are checked in."""
    who = AUTOMATIC if automatic else user_name(by)
    with transaction.atomic():
        _transition(
            visit,
            from_statuses=(Status.CHECKED_IN,),
            refusal="Only a checked-in visitor can be checked out",
            status=Status.CHECKED_OUT,
            checked_out_at=timezone.now(),
            checked_out_by=None if automatic else _signed_in(by),
            checked_out_by_name=who,
        )
        notify(Event.VISIT_CHECKED_OUT, visit_event_data(visit, by=who))
    return visit


def _transition(
    visit: Visit, *, from_statuses: tuple[str, ...], refusal: str, **changes: Any
) -> None:
    """Move `visit` on with a conditional UPDATE (only from `from_statuses`), then refresh it;
    `ValidationError` (nothing written) when its status, read fresh, does not allow it."""
    changed = Visit.objects.filter(pk=visit.pk, status__in=from_statuses).update(**changes)
    visit.refresh_from_db()
    if not changed:
        status = visit.get_status_display().lower()
        raise ValidationError({"status": f"{refusal}; this one is {status}."})


def badge_number(visit: Visit) -> str:
    """The number printed on the visitor's badge: the visit's, easy to read out."""
    return f"V{visit.pk:06d}"


def visit_event_data(visit: Visit, *, by: str = "") -> dict[str, Any]:
    """A visit's `data` in the `visit.*` events (`notifications.events.DATA_SCHEMAS`)."""
    visitor, host = visit.visitor, visit.host
    name = visitor.name if visitor else "an erased visitor"
    verb = {
        Status.CHECKED_IN: "checked in",
        Status.CHECKED_OUT: "checked out",
        Status.INVITED: "invited",
    }.get(visit.status, visit.get_status_display().lower())
    company = f" ({visitor.company})" if visitor and visitor.company else ""
    to_see = ""
    if host is not None:
        to_see = (
            f" after seeing {host.name}"
            if visit.status == Status.CHECKED_OUT
            else f" to see {host.name}"
        )
    return {
        "summary": f"{name}{company} {verb}{to_see}",
        "visit": visit.pk,
        "visitor": _person(visitor),
        "company": visitor.company if visitor else "",
        "host": _person(host),
        "purpose": visit.purpose,
        "starts_at": visit.starts_at.isoformat(),
        "ends_at": visit.ends_at.isoformat(),
        "status": visit.status,
        "badge_number": visit.badge_number,
        "checked_in_at": visit.checked_in_at.isoformat() if visit.checked_in_at else None,
        "checked_out_at": visit.checked_out_at.isoformat() if visit.checked_out_at else None,
        "by": by,
        "verification": visit.check_in_verification_id,
    }


def _person(person: Employee | Visitor | None) -> dict | None:
    return {"id": person.pk, "kind": person.kind, "name": person.name} if person else None


def visits_close_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """The sweep after visits end (plus IMAGESIFT_CHECK_OUT_GRACE_MINUTES): checked-in
    visitors are checked out automatically, and planned visits nobody came to become no-shows.
    Returns the counts."""
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.IMAGESIFT_CHECK_OUT_GRACE_MINUTES)
    checked_out = 0
    for visit in Visit.objects.filter(status=Status.CHECKED_IN, ends_at__lt=cutoff).iterator():
        try:
            visit_check_out(visit=visit, automatic=True)
            checked_out += 1
        except ValidationError:  # checked out by the desk meanwhile
            continue
    no_shows = Visit.objects.filter(status__in=PLANNED, ends_at__lt=cutoff).update(
        status=Status.NO_SHOW
    )
    if checked_out or no_shows:
        logger.info("Visits closed: %s checked out, %s no-shows", checked_out, no_shows)
    return {"checked_out": checked_out, "no_shows": no_shows}
