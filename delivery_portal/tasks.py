"""Celery tasks of the shared plumbing. Thin shells: take ids, return quietly if gone."""

import logging
import socket

import requests
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from . import housekeeping, outbox
from .models import Notification, WebhookDelivery, WorkerHeartbeat
from .notifications import encode, sign

log = logging.getLogger(__name__)

WEBHOOK_MAX_RETRIES = 6


@shared_task
def relay_outbox():
    return outbox.relay()


@shared_task
def housekeeping_prune():
    """Beat, daily: old budget snapshots and published outbox messages (delivery_portal.housekeeping)."""
    result = housekeeping.prune()
    return {"snapshots": result.snapshots, "outbox": result.outbox}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int):
    notification = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).first()
    if notification is None or not notification.email:
        return  # gone, or already sent (idempotent)
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.SITE_URL}{notification.url}"
    send_mail(notification.subject, body, settings.DEFAULT_FROM_EMAIL, [notification.email])
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())


class WebhookFailed(Exception):
    pass


@shared_task(bind=True, max_retries=WEBHOOK_MAX_RETRIES)
def deliver_webhook(self, delivery_id: int):
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state == WebhookDelivery.State.DELIVERED:
        return
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
        final = self.request.retries >= WEBHOOK_MAX_RETRIES
        delivery.state = WebhookDelivery.State.FAILED if final else WebhookDelivery.State.PENDING
        delivery.save(update_fields=["attempts", "last_status", "last_error", "state"])
        if not final:
            raise self.retry(exc=exc, countdown=min(2 ** self.request.retries * 5, 600)) from exc
        log.error("webhook %s gave up after %s attempts: %s", delivery, delivery.attempts, exc)
        return
    delivery.state = WebhookDelivery.State.DELIVERED
    delivery.delivered_at = timezone.now()
    delivery.last_error = ""
    delivery.save(update_fields=["attempts", "last_status", "last_error", "state", "delivered_at"])


@shared_task
def answer_heartbeat(heartbeat_id: int):
    WorkerHeartbeat.objects.filter(pk=heartbeat_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), worker=socket.gethostname()
    )
