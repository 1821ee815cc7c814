import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.db import transaction

from delivery_portal import outbox
from delivery_portal.models import Notification, OutboxMessage, WebhookDelivery, WebhookEndpoint
from delivery_portal.notifications import notify, sign


class _Hook(BaseHTTPRequestHandler):
    received = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server():
    _Hook.received = []
    _Hook.fail_first = 0
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Hook
    server.shutdown()


def test_enqueue_writes_a_row_that_rolls_back_with_the_transaction(db):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            outbox.enqueue("delivery_portal.tasks.relay_outbox")
            raise RuntimeError("half-way failure")
    assert OutboxMessage.objects.count() == 0
    outbox.enqueue("delivery_portal.tasks.relay_outbox")
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 1


def test_unpublishable_messages_stay_pending_for_the_relay(db, monkeypatch):
    from delivery_portal.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its own config.
    old = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        message = outbox.enqueue("delivery_portal.tasks.relay_outbox")
        assert outbox.publish(message.pk) is False
        message.refresh_from_db()
        assert message.published_at is None and message.attempts == 1 and message.last_error
    finally:
        app.conf.broker_url = old
        outbox._broker_down_until = 0.0


def test_relay_publishes_pending_messages(db, monkeypatch):
    from delivery_portal.celery import app

    old = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", "memory://")
    app.conf.broker_url = "memory://"
    try:
        outbox.enqueue("delivery_portal.tasks.relay_outbox")
        OutboxMessage.objects.update(created_at=OutboxMessage.objects.first().created_at.replace(year=2000))
        assert outbox.relay() == 1
        assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 0
    finally:
        app.conf.broker_url = old


def test_notify_sends_email_once_and_fills_the_inbox(users):
    notify(event="change.needs_approval", subject="CHG-2026-0001 needs you", body="Please review.", users=[users["cab1"], users["cab1"]], url="/changes/")
    assert Notification.objects.filter(recipient=users["cab1"]).count() == 1
    outbox.run_pending()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["cab1@example.com"]
    assert "http://127.0.0.1:8000/changes/" in mail.outbox[0].body
    # running the task again sends nothing more (idempotent)
    from delivery_portal.tasks import send_notification_email

    send_notification_email(Notification.objects.get().pk)
    assert len(mail.outbox) == 1


def test_webhook_is_signed_and_retried_until_delivered(db, hook_server, settings):
    server, hook = hook_server
    hook.fail_first = 1
    url = f"http://127.0.0.1:{server.server_port}/hook"
    WebhookEndpoint.objects.create(name="chat", url=url, events="freeze.started")
    WebhookEndpoint.objects.create(name="other", url=url, events="incident.opened")
    notify(event="freeze.started", subject="portal frozen", payload={"service": "portal"})
    delivery = WebhookDelivery.objects.get()
    from delivery_portal.tasks import deliver_webhook

    # First attempt fails with 503 and asks Celery for a retry.
    from celery.exceptions import Retry

    with pytest.raises(Retry):
        deliver_webhook.apply(kwargs={"delivery_id": delivery.pk}, throw=True)
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.last_status == 503
    deliver_webhook.apply(kwargs={"delivery_id": delivery.pk}, throw=True)
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempts == 2
    headers, body = hook.received[-1]
    assert json.loads(body)["data"] == {"service": "portal"}
    assert headers["X-Portal-Signature"] == sign(body)
    assert headers["X-Portal-Event"] == "freeze.started"
