"""Reads of the audit log; no writes here."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from recognition.models import Verification


def verifications_list(
    *,
    decision: str = "",
    channel: str = "",
    person_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Verification]:
    """Verifications, newest first, filtered by what is given."""
    queryset = Verification.objects.select_related(
        "person", "person__employee", "person__visitor", "person__visitor__host"
    ).prefetch_related("person__photos")
    if decision:
        queryset = queryset.filter(decision=decision)
    if channel:
        queryset = queryset.filter(channel=channel)
    if person_id is not None:
        queryset = queryset.filter(person_id=person_id)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


def verifications_for_day(day: date | None = None, *, limit: int = 20) -> list[Verification]:
    """The most recent verifications of a day (today, in the site's time zone, by default)."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day, time.max))
    return list(verifications_list(since=start, until=end)[:limit])
