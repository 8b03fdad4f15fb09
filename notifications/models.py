"""The outbox: one row per delivery of an event (to a webhook endpoint, an email address or the
MQTT broker), written in the transaction of what it announces, delivered after it commits and
retried until it is delivered or too old."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from notifications.events import OPT_IN_EVENTS, Event

# Webhooks are POSTed over HTTP: ftp:// and the like, which Django's URL check allows, are not.
WEB_URL = URLValidator(
    schemes=["http", "https"], message="Enter an http:// or https:// URL.", code="not_web_url"
)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def give_up_time() -> datetime:
    return timezone.now() + timedelta(hours=settings.IMAGESIFT_NOTIFICATION_MAX_HOURS)


class WebhookEndpoint(models.Model):
    """A receiver of events: signed the Standard Webhooks way with its secret."""

    url = models.URLField(max_length=500, validators=[WEB_URL])
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    # The event names it wants; empty: every event that is not opt-in.
    events = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event: str) -> bool:
        """Whether this endpoint receives `event`: listed, or (with no list) not opt-in."""
        return event in self.events if self.events else event not in OPT_IN_EVENTS


class Notification(models.Model):
    class Channel(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        EMAIL = "email", "Email"
        MQTT = "mqtt", "MQTT"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    # The message's id: `webhook-id`, the same on every retry (receivers drop repeats by it).
    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=64, choices=Event.choices, db_index=True)
    data = models.JSONField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient = models.EmailField(blank=True)  # the email channel's address
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    give_up_at = models.DateTimeField(default=give_up_time)  # retried until then
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        to = self.endpoint or self.recipient or "MQTT"
        return f"{self.event} to {to} ({self.get_state_display()})"
