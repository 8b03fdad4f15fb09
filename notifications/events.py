"""The events ImageSift announces, and what each one's `data` holds. The README's "Events" and
the OpenAPI schema's components describe the same payloads."""

from __future__ import annotations

from django.db import models


class Event(models.TextChoices):
    VERIFICATION_DENIED = "verification.denied", "A person on the deny list, or possibly on it"
    VERIFICATION_UNKNOWN = "verification.unknown", "Nobody enrolled matched (opt-in)"
    PERSON_ENROLLED = "person.enrolled", "A person's photo was indexed"
    VISIT_INVITED = "visit.invited", "A visitor was invited"
    VISIT_CHECKED_IN = "visit.checked_in", "A visitor was checked in"
    VISIT_CHECKED_OUT = "visit.checked_out", "A visitor was checked out"
    TEST = "webhook.test", "A test sent from the admin"


# Sent to an endpoint only when it lists them by name: too frequent to be on by default.
OPT_IN_EVENTS = {Event.VERIFICATION_UNKNOWN, Event.TEST}


_PERSON = {
    "type": "object",
    "nullable": True,
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["employee", "visitor"]},
        "name": {"type": "string"},
    },
}
_SUMMARY = {"type": "string", "description": "One line for people (an email's subject)."}
_VERIFICATION = {
    "type": "object",
    "properties": {
        "summary": _SUMMARY,
        "verification": {"type": "integer", "description": "GET /api/v1/verifications/{id}/"},
        "decision": {"type": "string"},
        "reason": {"type": "string"},
        "person": {
            **_PERSON,
            "description": "Who was matched; for `possible_denied`, the denied person near.",
        },
        "similarity": {"type": "number", "nullable": True},
        "channel": {"type": "string", "enum": ["ui", "kiosk", "api", "cli"]},
        "operator": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "probe_url": {"type": "string", "nullable": True},
    },
}
_VISIT = {
    "type": "object",
    "properties": {
        "summary": _SUMMARY,
        "visit": {"type": "integer", "description": "GET /api/v1/visits/{id}/"},
        "visitor": _PERSON,
        "company": {"type": "string"},
        "host": {**_PERSON, "description": "The employee visited, if one is named."},
        "purpose": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "status": {"type": "string"},
        "badge_number": {"type": "string"},
        "checked_in_at": {"type": "string", "format": "date-time", "nullable": True},
        "checked_out_at": {"type": "string", "format": "date-time", "nullable": True},
        "by": {"type": "string", "description": "Who did it; `automatic` for the sweep."},
        "verification": {
            "type": "integer",
            "nullable": True,
            "description": "The verification that checked them in, if one did.",
        },
    },
}
# The `data` of each event: the OpenAPI schema's components (notifications.schema) and the
# README describe these.
DATA_SCHEMAS: dict[str, dict] = {
    Event.VERIFICATION_DENIED: {
        **_VERIFICATION,
        "description": "A verification answered `denied` or `possible_denied`.",
    },
    Event.VERIFICATION_UNKNOWN: {
        **_VERIFICATION,
        "description": "A verification answered `unknown` (only to endpoints that list it).",
    },
    Event.PERSON_ENROLLED: {
        "type": "object",
        "description": "A photo of a person was indexed: they can be recognised from it.",
        "properties": {
            "summary": _SUMMARY,
            "person": _PERSON,
            "photo": {"type": "integer"},
            "indexed_at": {"type": "string", "format": "date-time"},
            "advice": {"type": "string", "enum": ["", "unlike_own_photos", "like_someone_else"]},
        },
    },
    Event.VISIT_INVITED: {
        **_VISIT,
        "description": "A visit was created with an invitation emailed to the visitor "
        "(the link itself goes only to the visitor).",
    },
    Event.VISIT_CHECKED_IN: {
        **_VISIT,
        "description": "A visitor was checked in (by the desk, or by their verification); "
        "the host is emailed too.",
    },
    Event.VISIT_CHECKED_OUT: {
        **_VISIT,
        "description": "A visitor was checked out (by the desk, or automatically after the "
        "visit's end and the grace period).",
    },
    Event.TEST: {
        "type": "object",
        "description": 'Sent by the admin\'s "send test" action.',
        "properties": {"endpoint": {"type": "integer"}, "message": {"type": "string"}},
    },
}
