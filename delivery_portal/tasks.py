"""Celery tasks of the shared plumbing. Thin shells: take ids, return quietly if gone."""

from celery import shared_task

from . import housekeeping, outbox, services

WEBHOOK_MAX_RETRIES = 6


@shared_task
def relay_outbox():
    return outbox.relay()


@shared_task
def housekeeping_prune():
    """Beat, daily: old rows of every kind registered with delivery_portal.housekeeping."""
    return housekeeping.prune()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int):
    services.notification_email_send(notification_id=notification_id)  # idempotent: sent once


@shared_task(bind=True, max_retries=WEBHOOK_MAX_RETRIES)
def deliver_webhook(self, delivery_id: int):
    final = self.request.retries >= WEBHOOK_MAX_RETRIES
    error = services.webhook_attempt(delivery_id=delivery_id, final=final)
    if error is not None and not final:
        raise self.retry(exc=error, countdown=min(2 ** self.request.retries * 5, 600))


@shared_task
def answer_heartbeat(heartbeat_id: int):
    services.heartbeat_answer(heartbeat_id=heartbeat_id)
