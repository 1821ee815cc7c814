"""Writes of the portal's own plumbing: worker checks, reading and e-mailing notifications,
delivering webhooks. Notifying and the outbox have modules of their own (notifications,
outbox); the apps' state changes are in each app's services."""

import logging
import socket

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from . import outbox
from .models import Notification, WebhookDelivery, WorkerHeartbeat
from .notifications import encode, sign

log = logging.getLogger(__name__)


# --- Worker checks -------------------------------------------------------------------------
@transaction.atomic
def heartbeat_request(*, by) -> WorkerHeartbeat:
    """Ask a worker to answer (through the broker): the system page shows the round trip."""
    heartbeat = WorkerHeartbeat.objects.create(requested_by=by)
    outbox.enqueue("delivery_portal.tasks.answer_heartbeat", heartbeat_id=heartbeat.pk)
    return heartbeat


def heartbeat_answer(*, heartbeat_id: int, worker: str = "", at=None) -> bool:
    """Record a worker's answer once; False when it was answered already or is gone."""
    return bool(
        WorkerHeartbeat.objects.filter(pk=heartbeat_id, answered_at__isnull=True).update(
            answered_at=at or timezone.now(), worker=worker or socket.gethostname()
        )
    )


# --- Notifications -------------------------------------------------------------------------
def notifications_mark_read(*, user, at=None) -> int:
    """Mark every unread notification of `user` read; how many were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=at or timezone.now())


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification, once: False when it is gone, has no address or was sent."""
    notification = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).first()
    if notification is None or not notification.email:
        return False
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.SITE_URL}{notification.url}"
    send_mail(notification.subject, body, settings.DEFAULT_FROM_EMAIL, [notification.email])
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


# --- Webhooks ------------------------------------------------------------------------------
class WebhookFailed(Exception):
    pass


def webhook_attempt(*, delivery_id: int, final: bool) -> Exception | None:
    """Post one webhook delivery and record the attempt. Returns why it failed (None when it
    was delivered, was already, or is gone); a failed `final` attempt marks it failed for good,
    others leave it pending for the task to retry."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state == WebhookDelivery.State.DELIVERED:
        return None
    body = encode(delivery.payload)
    secret = delivery.endpoint.secret if delivery.endpoint and delivery.endpoint.secret else None
    headers = {
        "Content-Type": "application/json",
        "X-Portal-Event": delivery.event,
        "X-Portal-Delivery": str(delivery.pk),
        "X-Portal-Signature": sign(body, secret),
    }
    delivery.attempts += 1
    try:
        response = requests.post(delivery.url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
        delivery.last_status = response.status_code
        if response.status_code >= 300:
            raise WebhookFailed(f"HTTP {response.status_code}")
    except (requests.RequestException, WebhookFailed) as exc:
        delivery.last_error = str(exc)[:1000]
        delivery.state = WebhookDelivery.State.FAILED if final else WebhookDelivery.State.PENDING
        delivery.save(update_fields=["attempts", "last_status", "last_error", "state"])
        if final:
            log.error("webhook %s gave up after %s attempts: %s", delivery, delivery.attempts, exc)
        return exc
    delivery.state = WebhookDelivery.State.DELIVERED
    delivery.delivered_at = timezone.now()
    delivery.last_error = ""
    delivery.save(update_fields=["attempts", "last_status", "last_error", "state", "delivered_at"])
    return None
