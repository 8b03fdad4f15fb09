"""Writes of the outbox: events become deliveries in the transaction that caused them, and each
delivery is attempted after commit, then again with exponential backoff until it is delivered
or IMAGESIFT_NOTIFICATION_MAX_HOURS old. A receiver that is down loses nothing.

Each delivery follows the one task pattern (`core.jobs`): claimed pending → sending, sent with
no transaction open, written back only while the claim holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.jobs import WorkQueue, schedule
from notifications import channels
from notifications.models import Notification, WebhookEndpoint, give_up_time

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.tasks.deliver_notification"
DELIVERY = WorkQueue(
    Notification,
    "state",
    pending=Notification.State.PENDING,
    running=Notification.State.SENDING,
)
FIRST_RETRY_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600


def notify(event: str, data: dict[str, Any], *, emails: Iterable[str] = ()) -> list[Notification]:
    """Announce `event` to every active webhook endpoint that wants it, to `emails`, and to the
    MQTT broker when one is set: one delivery each, written in the caller's transaction and sent
    once it commits."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if e.wants(event)]
    deliveries = [
        *(Notification(channel=Notification.Channel.WEBHOOK, endpoint=e) for e in endpoints),
        *(
            Notification(channel=Notification.Channel.EMAIL, recipient=address)
            for address in dict.fromkeys(emails)
            if address
        ),
        *([Notification(channel=Notification.Channel.MQTT)] if settings.IMAGESIFT_MQTT_URL else []),
    ]
    for delivery in deliveries:
        delivery.event, delivery.data = event, data
    return _queue(deliveries)


def email_personal(event: str, *, recipient: str, subject: str, text: str) -> Notification:
    """An email written for one person (an invitation, with its link): through the outbox like
    any delivery, its body the `text` rather than the event's JSON. Only to `recipient`."""
    delivery = Notification(
        event=event,
        data={"summary": subject, "text": text},
        channel=Notification.Channel.EMAIL,
        recipient=recipient,
    )
    return _queue([delivery])[0]


def endpoint_test(*, endpoint: WebhookEndpoint) -> Notification:
    """Send a `webhook.test` event to one endpoint (the admin's "send test")."""
    delivery = Notification(
        event="webhook.test",
        data={"endpoint": endpoint.pk, "message": "A test from ImageSift's admin."},
        channel=Notification.Channel.WEBHOOK,
        endpoint=endpoint,
    )
    return _queue([delivery])[0]


def _queue(deliveries: list[Notification]) -> list[Notification]:
    """Write the deliveries in the caller's transaction; each is sent once it commits."""
    with transaction.atomic():
        for delivery in deliveries:
            delivery.save()
            schedule(DELIVER_TASK, delivery.pk)
    return deliveries


def notification_deliver(*, notification_id: int) -> bool:
    """The body of the delivery task: whether this call delivered it."""
    return DELIVERY.process(notification_id, _deliver_claimed)


def _deliver_claimed(notification_id: int, claimed_at: datetime) -> bool:
    notification = (
        Notification.objects.select_related("endpoint").filter(pk=notification_id).first()
    )
    if notification is None:
        return False
    now = timezone.now()
    if notification.next_attempt_at > now:  # claimed early (an eager sweep): not due yet
        DELIVERY.release(notification_id, claimed_at)
        return False
    attempts = notification.attempts + 1
    try:
        channels.send(notification)
    except channels.DeliveryFailed as failure:
        logger.warning(
            "Notification %s (attempt %s) failed: %s", notification_id, attempts, failure
        )
        DELIVERY.finish(notification_id, claimed_at, **_retry(notification, attempts, failure))
        return False
    return DELIVERY.finish(
        notification_id,
        claimed_at,
        state=Notification.State.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        last_error="",
    )


def _retry(notification: Notification, attempts: int, failure: Exception) -> dict[str, Any]:
    """After a failed attempt: wait 30 s, then twice as long each time (at most an hour);
    give up past the delivery's `give_up_at` (IMAGESIFT_NOTIFICATION_MAX_HOURS after it was
    written)."""
    wait = timedelta(seconds=min(LONGEST_WAIT_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempts - 1)))
    next_attempt_at = timezone.now() + wait
    gave_up = next_attempt_at > notification.give_up_at
    state = Notification.State.FAILED if gave_up else Notification.State.PENDING
    return {
        "state": state,
        "attempts": attempts,
        "next_attempt_at": next_attempt_at,
        "last_error": str(failure)[:500],
    }


def notification_retry_now(*, notification: Notification) -> None:
    """Deliver again now (the admin's "retry now"), a failed one too, with a fresh period of
    retries."""
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).exclude(
            state=Notification.State.SENDING
        ).update(
            state=Notification.State.PENDING,
            next_attempt_at=timezone.now(),
            give_up_at=give_up_time(),
        )
        schedule(DELIVER_TASK, notification.pk)


def notifications_deliver_due(task) -> int:
    """Queue the deliveries that are due (a retry's time has come, or the first attempt was
    lost), after putting back claims older than IMAGESIFT_STALE_TASK_MINUTES; at most
    IMAGESIFT_STALE_TASK_BATCH. Returns how many were queued."""
    DELIVERY.reclaim_stale()
    due = Notification.objects.filter(
        state=Notification.State.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")
    due_ids = list(due.values_list("pk", flat=True)[: settings.IMAGESIFT_STALE_TASK_BATCH])
    for pk in due_ids:
        task(pk)
    return len(due_ids)
