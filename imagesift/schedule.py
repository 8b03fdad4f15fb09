"""Work that runs on a schedule: on AWS as scheduled events (zappa_settings.json's `events`),
elsewhere by `manage.py run_scheduled` from cron. One list, so that both run the same."""

from __future__ import annotations

from collections.abc import Callable

from accounts.tasks import repair_collection, requeue_stale_photos
from insight.tasks import requeue_stale_analyses
from recognition.tasks import purge_expired_probes

# Each rate (as Zappa's `expression`) and what runs at it.
SCHEDULE: dict[str, tuple[Callable[..., object], ...]] = {
    "rate(15 minutes)": (requeue_stale_photos, requeue_stale_analyses),
    "rate(1 day)": (purge_expired_probes, repair_collection),
}


def dotted_path(job: Callable[..., object]) -> str:
    return f"{job.__module__}.{job.__name__}"
