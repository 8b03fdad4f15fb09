"""Reads of visits; no writes here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Employee, Visitor
from accounts.roles import Role, roles_of
from visits.models import Visit

Status = Visit.Status
# Which visit covering now speaks for a visitor at the door, best first: one under way or
# planned, then one they left, then one called off.
COVERING_ORDER = [
    Status.CHECKED_IN,
    Status.EXPECTED,
    Status.INVITED,
    Status.CHECKED_OUT,
    Status.CANCELLED,
    Status.NO_SHOW,
]


def visits_list(
    *,
    status: str = "",
    host_id: int | None = None,
    visitor_id: int | None = None,
    day: date | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Visit]:
    """Visits, latest start first. `day` keeps those whose window touches that day (in the
    site's time zone), `since` and `until` those whose window touches that span."""
    visits = Visit.objects.select_related("visitor", "host")
    if status:
        visits = visits.filter(status=status)
    if host_id is not None:
        visits = visits.filter(host_id=host_id)
    if visitor_id is not None:
        visits = visits.filter(visitor_id=visitor_id)
    if day is not None:
        since = timezone.make_aware(datetime.combine(day, time.min))
        until = since + timedelta(days=1)
    if since is not None:
        visits = visits.filter(ends_at__gte=since)
    if until is not None:
        visits = visits.filter(starts_at__lt=until)
    return visits


def host_limited_to(user: AbstractBaseUser) -> Employee | None:
    """The employee a host-only user is (a host sees and plans only the visits they host), or
    None for the other roles. Raises `PermissionDenied` for a host whom no active employee's
    email address matches."""
    if roles_of(user) != {Role.HOST}:
        return None
    employee = Employee.objects.filter(email__iexact=user.email, active=True).first()
    if not user.email or employee is None:
        raise PermissionDenied("No active employee has your email address: ask an admin.")
    return employee


def visits_at_door(visitor_ids: Iterable[int], now: datetime) -> dict[int, list[Visit]]:
    """For each visitor, the visits the door's decision weighs: those covering `now`, the next
    to come and the last that ended (the decision names them when none covers now)."""
    ids = list(visitor_ids)
    if not ids:
        return {}
    visits = Visit.objects.select_related("host").filter(visitor_id__in=ids)
    covering = list(visits.filter(starts_at__lte=now, ends_at__gte=now))
    upcoming = visits.filter(starts_at__gt=now).exclude(status__in=[Status.CANCELLED])
    ended = visits.filter(ends_at__lt=now)
    found: dict[int, list[Visit]] = defaultdict(list)
    for visit in covering:
        found[visit.visitor_id].append(visit)
    for visitor_id in ids:
        for nearest in (
            upcoming.filter(visitor_id=visitor_id).order_by("starts_at").first(),
            ended.filter(visitor_id=visitor_id).order_by("-ends_at").first(),
        ):
            if nearest is not None:
                found[visitor_id].append(nearest)
    return dict(found)


def visit_covering(visits: Iterable[Visit], now: datetime) -> Visit | None:
    """The visit that speaks for the visitor now (`COVERING_ORDER`), or None."""
    covering = [visit for visit in visits if visit.covers(now)]
    return min(covering, key=lambda v: COVERING_ORDER.index(v.status), default=None)


def visits_checked_in() -> QuerySet[Visit]:
    """Visits whose visitor is on site now: checked in, not yet out."""
    return (
        Visit.objects.filter(status=Status.CHECKED_IN, visitor__isnull=False)
        .select_related("visitor", "host")
        .order_by("visitor__name", "id")
    )


def visitors_last_visit_ended_before(cutoff: datetime) -> QuerySet:
    """Ids of visitors none of whose visits ends after `cutoff` or is under way; a visitor who
    never had a visit counts from when they were registered."""
    recent = Visit.objects.filter(
        Q(ends_at__gte=cutoff) | Q(status__in=[Status.CHECKED_IN])
    ).values("visitor_id")
    return (
        Visitor.objects.exclude(pk__in=recent)
        .filter(Q(visits__isnull=False) | Q(created_at__lt=cutoff))
        .distinct()
        .values_list("pk", flat=True)
    )
