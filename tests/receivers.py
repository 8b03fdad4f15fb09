"""Real receivers of the outbox's deliveries, for every app's tests (tests/conftest.py imports the
fixtures): an HTTP server for webhooks, an SMTP server (aiosmtpd) for email, and a subscriber on
the Mosquitto broker at 127.0.0.1:1883."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import paho.mqtt.client as mqtt
import pytest
from aiosmtpd.controller import Controller

from notifications.models import WebhookEndpoint


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """Records every POST; answers the statuses queued in `answers` (then 204)."""

    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    def endpoint(self, **fields) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(**{"url": self.url, **fields})


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.received.append(Received(dict(self.headers.items()), body))
            self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_port}/hooks/imagesift"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_inbox(settings) -> Iterator[list[Message]]:
    """A real SMTP server on a free port, Django's SMTP backend pointed at it: the messages."""
    inbox: list[Message] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope) -> str:
            inbox.append(message_from_bytes(envelope.content))
            return "250 OK"

    with socket.socket() as probe:  # a free port (aiosmtpd checks it by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # aiosmtpd logs each session from its own thread, which can outlive the test's log capture.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


@dataclass
class MqttSubscription:
    prefix: str
    messages: list[tuple[str, dict]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, event: str, timeout_s: float = 5.0) -> dict:
        """The first message of `event`, once it has arrived (messages of other events may come
        before it); AssertionError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for topic, message in list(self.messages):
                if topic == f"{self.prefix}/{event}":
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no {event} message arrived in {timeout_s} s: {self.messages}")


@pytest.fixture
def mqtt_subscription(settings) -> Iterator[MqttSubscription]:
    """Subscribed on the broker to a topic prefix of this test's own; the outbox set to it."""
    subscription = MqttSubscription(prefix=f"imagesift-test-{uuid.uuid4().hex[:8]}")
    subscribed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)

    def on_message(client, userdata, message) -> None:
        subscription.messages.append((message.topic, json.loads(message.payload)))
        subscription.arrived.set()

    client.on_message = on_message
    client.on_subscribe = lambda *args: subscribed.set()
    client.connect("127.0.0.1", 1883)
    client.subscribe(f"{subscription.prefix}/#", qos=1)
    client.loop_start()
    assert subscribed.wait(5), "the Mosquitto broker at 127.0.0.1:1883 did not answer"
    settings.IMAGESIFT_MQTT_URL = f"mqtt://127.0.0.1:1883/{subscription.prefix}"
    yield subscription
    client.loop_stop()
    client.disconnect()
