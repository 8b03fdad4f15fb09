"""Webhook endpoints in the admin: added with the events they want, a test sent by action, the
delivery log on the endpoint's page; deliveries retried from their list. Admins only."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from accounts.roles import Role
from notifications.models import Notification, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)

ENDPOINTS = "/admin/notifications/webhookendpoint/"


def test_an_endpoint_is_added_with_its_events_and_a_generated_secret(admin, webhook_receiver):
    response = admin.post(
        f"{ENDPOINTS}add/",
        {
            "url": webhook_receiver.url,
            "description": "Security desk",
            "events": ["verification.denied", "verification.unknown"],
            "active": "on",
            "secret": WebhookEndpoint._meta.get_field("secret").default(),
            "notifications-TOTAL_FORMS": "0",
            "notifications-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["verification.denied", "verification.unknown"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/in", "file:///etc/passwd", "javascript:alert(1)"]
)
def test_an_endpoint_that_is_not_an_http_url_is_refused(admin, url):
    response = admin.post(
        f"{ENDPOINTS}add/",
        {
            "url": url,
            "active": "on",
            "secret": WebhookEndpoint._meta.get_field("secret").default(),
            "notifications-TOTAL_FORMS": "0",
            "notifications-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Enter an http:// or https:// URL." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_send_test_signs_a_test_event_and_the_log_shows_it(admin, webhook_receiver):
    endpoint = webhook_receiver.endpoint(description="Security desk")

    response = admin.post(
        ENDPOINTS, {"action": "send_test", "_selected_action": [endpoint.pk]}, follow=True
    )

    assert f"Test to {webhook_receiver.url}: sent." in response.content.decode()
    [request] = webhook_receiver.received
    assert Webhook(endpoint.secret).verify(request.body, request.headers)["type"] == (
        "webhook.test"
    )
    page = admin.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert "Delivery log" in page and "webhook.test" in page


def test_a_failed_test_says_why(admin, webhook_receiver):
    endpoint = webhook_receiver.endpoint()
    webhook_receiver.answers = [410]

    response = admin.post(
        ENDPOINTS, {"action": "send_test", "_selected_action": [endpoint.pk]}, follow=True
    )

    assert "pending: " in response.content.decode() and "HTTP 410" in response.content.decode()


def test_deliveries_are_retried_from_their_list(admin, webhook_receiver):
    endpoint = webhook_receiver.endpoint()
    failed = Notification.objects.create(
        event="person.enrolled", data={}, channel="webhook", endpoint=endpoint, state="failed"
    )

    admin.post(
        "/admin/notifications/notification/",
        {"action": "retry_now", "_selected_action": [failed.pk]},
    )

    failed.refresh_from_db()
    assert failed.state == "sent" and len(webhook_receiver.received) == 1


def test_the_front_desk_has_no_door_to_webhooks(client, user_with_role):
    desk = user_with_role(Role.FRONT_DESK, "desk-in-the-admin")
    desk.is_staff = True
    desk.save()
    client.force_login(desk)

    assert client.get(ENDPOINTS).status_code == 403
