"""Work that runs on a schedule: on AWS as scheduled events (zappa_settings.json's `events`),
elsewhere by `manage.py run_scheduled` from cron. One list, so that both run the same."""

from __future__ import annotations

from collections.abc import Callable

from accounts.tasks import purge_rejected_photos, repair_collection, requeue_stale_photos
from insight.tasks import requeue_stale_analyses
from notifications.tasks import deliver_due_notifications
from recognition.tasks import purge_expired_probes, requeue_stale_measurements
from visits.tasks import apply_visitor_retention, close_overdue_visits

# Each rate (as Zappa's `expression`) and what runs at it.
SCHEDULE: dict[str, tuple[Callable[..., object], ...]] = {
    "rate(1 minute)": (deliver_due_notifications,),
    "rate(15 minutes)": (
        requeue_stale_photos,
        requeue_stale_analyses,
        requeue_stale_measurements,
        close_overdue_visits,
    ),
    "rate(1 day)": (
        purge_expired_probes,
        purge_rejected_photos,
        repair_collection,
        apply_visitor_retention,
    ),
}


def dotted_path(job: Callable[..., object]) -> str:
    return f"{job.__module__}.{job.__name__}"
