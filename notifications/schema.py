"""The events in the OpenAPI document: a drf-spectacular postprocessing hook that adds, under
`components.schemas`, the envelope every channel sends and each event's `data`."""

from __future__ import annotations

from notifications.events import DATA_SCHEMAS


def component_name(event: str) -> str:
    """`verification.denied` → `EventVerificationDenied`."""
    return "Event" + "".join(part.title() for part in event.replace("_", ".").split("."))


def add_event_components(result: dict, generator, request, public) -> dict:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for event, data in DATA_SCHEMAS.items():
        schemas[component_name(event)] = {
            "type": "object",
            "description": f"The `{event}` event, as a webhook's JSON body, an MQTT message "
            "and the body of an email. Webhooks carry `webhook-id`, `webhook-timestamp` and "
            "`webhook-signature` (Standard Webhooks, HMAC-SHA256).",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "enum": [str(event)]},
                "timestamp": {"type": "string", "format": "date-time"},
                "data": data,
            },
        }
    return result
