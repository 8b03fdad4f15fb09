"""Entry points of the outbox's background work: a delivery (a Zappa async task on Lambda,
in-process elsewhere) and the sweep that sends what is due (every minute on Lambda)."""

from zappa.asynchronous import task

from notifications import services


@task
def deliver_notification(notification_id: int) -> None:
    services.notification_deliver(notification_id=notification_id)


def deliver_due_notifications(event: dict | None = None, context: object = None) -> int:
    """Send the retries whose time has come, and deliveries whose first attempt was lost."""
    return services.notifications_deliver_due(deliver_notification)
