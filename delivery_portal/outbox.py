"""Enqueue Celery work transactionally.

`enqueue()` writes an OutboxMessage in the caller's transaction and publishes it after
commit. If the broker is down, the row stays pending (the request does not wait) and the
`relay_outbox` beat task publishes it later. Tasks must be idempotent: a message can be
delivered more than once (late acks, a relay racing a slow publish).
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)

# After a failed publish, skip straight to "leave it for the relay" for this long, so that
# no request waits on a broker that is known to be down.
BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0


def enqueue(task_name: str, *, countdown: int = 0, **kwargs) -> OutboxMessage:
    """Schedule `task_name(**kwargs)` to run once the current transaction commits."""
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs, countdown_seconds=countdown)
    if settings.OUTBOX_PUBLISH_ON_COMMIT:
        transaction.on_commit(lambda: publish(message.pk))
    return message


def publish(message_id: int) -> bool:
    """Hand one outbox message to the broker. Returns False (and keeps it) on failure."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    message = OutboxMessage.objects.filter(pk=message_id, published_at__isnull=True).first()
    if message is None:
        return True
    from .celery import app

    try:
        # A connection of its own, opened now: a pooled one may point at a broker that died.
        with app.connection_for_write() as connection:
            app.send_task(
                message.task_name,
                kwargs=message.kwargs,
                countdown=message.countdown_seconds or None,
                retry=False,
                connection=connection,
            )
    except Exception as exc:  # any broker error: keep the row for the relay
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1, last_error=str(exc)[:1000])
        log.warning("broker unavailable, %s left for the relay: %s", message, exc)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(published_at=timezone.now(), attempts=message.attempts + 1)
    return True


def relay(*, older_than_seconds: int = 10, limit: int = 500) -> int:
    """Publish pending messages; returns how many went out."""
    global _broker_down_until
    _broker_down_until = 0.0
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(published_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in ids:
        if not publish(pk):
            break
        sent += 1
    return sent


def run_pending(task_name: str | None = None) -> int:
    """Run pending messages in this process, without a broker (tests, management commands)."""
    from .celery import app

    app.loader.import_default_modules()  # autodiscovery is lazy outside a worker
    count = 0
    for _round in range(100):  # tasks may enqueue more work; run that too
        qs = OutboxMessage.objects.filter(published_at__isnull=True).order_by("pk")
        if task_name:
            qs = qs.filter(task_name=task_name)
        batch = list(qs)
        if not batch:
            break
        for message in batch:
            OutboxMessage.objects.filter(pk=message.pk).update(published_at=timezone.now())
            app.tasks[message.task_name].apply(kwargs=message.kwargs, throw=True)
            count += 1
    return count
