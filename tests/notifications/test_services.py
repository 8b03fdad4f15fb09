"""The outbox: deliveries written with what they announce, sent after commit, signed the
Standard Webhooks way, retried with backoff while a receiver is down, and given up on only
after IMAGESIFT_NOTIFICATION_MAX_HOURS."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from notifications import services, tasks
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def announce(event: str = "person.enrolled", **data) -> list[Notification]:
    with transaction.atomic():
        return services.notify(event, {"summary": "Ada has a photo enrolled", **data})


def refreshed(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


def test_a_delivery_is_signed_the_standard_webhooks_way(webhook_receiver):
    endpoint = webhook_receiver.endpoint()

    [delivery] = announce(person={"id": 7})

    [request] = webhook_receiver.received
    body = Webhook(endpoint.secret).verify(request.body, request.headers)  # raises if unsigned
    assert body["type"] == "person.enrolled"
    assert body["data"] == {"summary": "Ada has a photo enrolled", "person": {"id": 7}}
    assert request.headers["webhook-id"] == str(delivery.message_id)
    delivery = refreshed(delivery)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 1, "")


def test_a_signature_made_with_another_secret_does_not_verify(webhook_receiver):
    webhook_receiver.endpoint()
    announce()

    [request] = webhook_receiver.received
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 44).verify(request.body, request.headers)


def test_endpoints_get_the_events_they_ask_for_and_opt_in_events_only_when_asked(
    webhook_receiver,
):
    everything = webhook_receiver.endpoint(description="everything")
    webhook_receiver.endpoint(events=["verification.denied"], description="denials only")
    unknowns = webhook_receiver.endpoint(events=["verification.unknown"], description="unknown")
    webhook_receiver.endpoint(active=False, description="switched off")

    enrolled = announce("person.enrolled")
    unknown = announce("verification.unknown")

    assert [d.endpoint for d in enrolled] == [everything]
    assert [d.endpoint for d in unknown] == [unknowns]


def test_nothing_is_written_or_sent_when_what_it_announces_rolls_back(webhook_receiver):
    webhook_receiver.endpoint()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify("person.enrolled", {"summary": "never"})
        raise RuntimeError("the enrolment failed")

    assert not Notification.objects.exists()
    assert webhook_receiver.received == []


def test_a_receiver_that_is_down_gets_the_same_message_later(webhook_receiver):
    webhook_receiver.endpoint()
    webhook_receiver.answers = [503]

    [delivery] = announce()

    delivery = refreshed(delivery)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "HTTP 503" in delivery.last_error
    assert (
        timedelta(seconds=25) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    )
    assert tasks.deliver_due_notifications() == 0  # not due yet

    Notification.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert tasks.deliver_due_notifications({"source": "aws.events"}, None) == 1

    first, second = webhook_receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # receivers drop repeats
    assert (refreshed(delivery).state, refreshed(delivery).attempts) == ("sent", 2)


def test_an_unreachable_receiver_waits_twice_as_long_each_time(webhook_receiver):
    webhook_receiver.endpoint(url="http://127.0.0.1:9/closed")
    [delivery] = announce()
    waits = []
    for _ in range(3):
        delivery = refreshed(delivery)
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 10) * 10)
        Notification.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        services.notification_deliver(notification_id=delivery.pk)

    assert waits == [30, 60, 120]
    assert refreshed(delivery).attempts == 4
    assert "127.0.0.1:9" in refreshed(delivery).last_error


def test_a_delivery_is_given_up_once_its_retry_period_is_over(webhook_receiver):
    webhook_receiver.endpoint()
    webhook_receiver.answers = [500, 500]
    [delivery] = announce()
    Notification.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now(), give_up_at=timezone.now() + timedelta(seconds=10)
    )

    services.notification_deliver(notification_id=delivery.pk)

    assert refreshed(delivery).state == "failed"
    assert tasks.deliver_due_notifications() == 0
    services.notification_retry_now(notification=delivery)  # the admin's "retry now"
    assert refreshed(delivery).state == "sent"


def test_a_lost_delivery_is_sent_by_the_minute_sweep(webhook_receiver, settings):
    settings.IMAGESIFT_STALE_TASK_MINUTES = 10
    webhook_receiver.endpoint()
    [delivery] = announce()
    Notification.objects.filter(pk=delivery.pk).update(
        state="sending", claimed_at=timezone.now() - timedelta(hours=1)
    )  # its invocation timed out mid-way
    out = StringIO()

    call_command("run_scheduled", "--every", "1m", stdout=out)

    assert "notifications.tasks.deliver_due_notifications: 1" in out.getvalue()
    assert refreshed(delivery).state == "sent"
    assert len(webhook_receiver.received) == 2


def test_an_email_goes_through_a_real_smtp_server(smtp_inbox):
    with transaction.atomic():
        [delivery] = services.notify(
            "verification.denied",
            {"summary": "Denied: Jackie Chan at the front desk"},
            emails=["security@example.com", "security@example.com"],
        )

    [message] = smtp_inbox
    assert message["To"] == "security@example.com"
    assert message["Subject"] == "ImageSift: Denied: Jackie Chan at the front desk"
    assert '"type": "verification.denied"' in message.get_payload()
    assert refreshed(delivery).state == "sent"


def test_a_personal_email_is_the_letter_written_for_its_reader(smtp_inbox, webhook_receiver):
    webhook_receiver.endpoint()
    with transaction.atomic():
        delivery = services.email_personal(
            "visit.invited",
            recipient="john@example.com",
            subject="Your visit",
            text="Hello John,\n\nYour link: https://desk.example.com/invite/abc/",
        )

    [message] = smtp_inbox
    assert (message["To"], message["Subject"]) == ("john@example.com", "ImageSift: Your visit")
    assert message.get_payload().startswith("Hello John,")
    assert '"type"' not in message.get_payload()
    assert webhook_receiver.received == []  # only its reader gets it
    assert refreshed(delivery).state == "sent"


def test_a_delivery_claimed_before_it_is_due_is_put_back_untouched(webhook_receiver):
    webhook_receiver.endpoint()
    later = timezone.now() + timedelta(minutes=5)
    with transaction.atomic():
        [delivery] = services.notify("person.enrolled", {"summary": "Ada"})
        Notification.objects.filter(pk=delivery.pk).update(next_attempt_at=later)
    webhook_receiver.received.clear()  # the on-commit attempt found it not due either

    assert services.notification_deliver(notification_id=delivery.pk) is False

    delivery = refreshed(delivery)
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    assert delivery.next_attempt_at == later and webhook_receiver.received == []


def test_an_email_server_that_is_down_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    settings.EMAIL_USE_TLS = False
    with transaction.atomic():
        [delivery] = services.notify("verification.denied", {}, emails=["s@example.com"])

    delivery = refreshed(delivery)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "s@example.com" in delivery.last_error


def test_every_event_is_published_to_the_mqtt_broker(mqtt_subscription):
    [delivery] = announce("person.enrolled", person={"id": 3})

    assert mqtt_subscription.arrived.wait(5)
    [(topic, message)] = mqtt_subscription.messages
    assert topic == f"{mqtt_subscription.prefix}/person.enrolled"
    assert message["data"]["person"] == {"id": 3}
    assert refreshed(delivery).state == "sent"
