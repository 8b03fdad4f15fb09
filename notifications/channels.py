"""How a delivery leaves: a signed HTTP POST (Standard Webhooks), an email through Django's
backend, or an MQTT message. Each raises `DeliveryFailed` when the receiver did not take it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import paho.mqtt.publish
import urllib3
from django.conf import settings
from django.core.mail import send_mail
from standardwebhooks import Webhook

from notifications.events import Event
from notifications.models import Notification

HTTP = urllib3.PoolManager(retries=False)


class DeliveryFailed(Exception):
    """The receiver is unreachable, refused, or answered other than 2xx: retried later."""


def envelope(notification: Notification) -> dict:
    """What every channel sends: the event's type, when it happened, and its data."""
    return {
        "type": notification.event,
        "timestamp": notification.created_at.isoformat(),
        "data": notification.data,
    }


def send(notification: Notification) -> None:
    sender = {
        Notification.Channel.WEBHOOK: _post_webhook,
        Notification.Channel.EMAIL: _send_email,
        Notification.Channel.MQTT: _publish_mqtt,
    }[notification.channel]
    sender(notification)


def _post_webhook(notification: Notification) -> None:
    body = json.dumps(envelope(notification), separators=(",", ":")).encode()
    message_id, sent_at = str(notification.message_id), datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ImageSift-Webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(notification.endpoint.secret).sign(message_id, sent_at, body),
    }
    try:
        response = HTTP.request(
            "POST",
            notification.endpoint.url,
            body=body,
            headers=headers,
            timeout=settings.IMAGESIFT_WEBHOOK_TIMEOUT_SECONDS,
            redirect=False,
        )
    except urllib3.exceptions.HTTPError as error:
        raise DeliveryFailed(f"{notification.endpoint.url}: {error}") from error
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"{notification.endpoint.url} answered HTTP {response.status}")


def _send_email(notification: Notification) -> None:
    data = notification.data
    subject = f"ImageSift: {data.get('summary') or Event(notification.event).label}"
    if "text" in data:  # written for its reader (`notifications.services.email_personal`)
        body = data["text"]
    else:
        body = "\n".join(
            [data.get("summary", ""), "", json.dumps(envelope(notification), indent=2)]
        )
    try:
        send_mail(subject[:200], body.strip(), None, [notification.recipient])
    except (OSError, ValueError) as error:  # smtplib's errors are OSErrors
        raise DeliveryFailed(f"email to {notification.recipient}: {error}") from error


def _publish_mqtt(notification: Notification) -> None:
    """One message on `<prefix>/<event>` (QoS 1: the broker acknowledges it)."""
    url = urlsplit(settings.IMAGESIFT_MQTT_URL)
    prefix = url.path.strip("/") or "imagesift"
    auth = (
        {"username": unquote(url.username), "password": unquote(url.password or "")}
        if url.username
        else None
    )
    try:
        paho.mqtt.publish.single(
            f"{prefix}/{notification.event}",
            json.dumps(envelope(notification)),
            qos=1,
            hostname=url.hostname or "localhost",
            port=url.port or (8883 if url.scheme == "mqtts" else 1883),
            auth=auth,
            tls={} if url.scheme == "mqtts" else None,
            client_id=f"imagesift-{notification.message_id}",
        )
    except (OSError, ValueError) as error:
        raise DeliveryFailed(f"MQTT {url.hostname}: {error}") from error
