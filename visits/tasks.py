"""Entry points of this app's scheduled work (zappa_settings.json's events; `manage.py
run_scheduled` elsewhere): they call the services."""

from __future__ import annotations

from visits import retention, services


def close_overdue_visits(event: dict | None = None, context: object = None) -> dict[str, int]:
    """Check out visitors still checked in after their visit's end and the grace period, and
    close planned visits nobody came to as no-shows: every 15 minutes."""
    return services.visits_close_overdue()


def apply_visitor_retention(event: dict | None = None, context: object = None) -> dict[str, int]:
    """Remove past visitors' faces from the collection, and erase them later: daily."""
    result = retention.visitors_retention_apply()
    return {
        "faces_removed": result.faces_removed,
        "visitors_erased": result.visitors_erased,
    }
