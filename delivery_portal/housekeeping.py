"""Housekeeping: rows that only grow are pruned once a day (beat: `delivery_portal.tasks.housekeeping`).

- Budget snapshots (one per service and hour: 4.4 million a year for 500 services) older than
  `SNAPSHOT_RETENTION_DAYS` (default 400: the service page charts 31 days; a year stays for
  comparisons).
- Published outbox messages older than `OUTBOX_RETENTION_DAYS` (default 7, time enough to see
  what was sent while investigating). Pending ones are never touched: the relay still owes them.

Deletes go in batches of primary keys so that a first run over years of rows never holds one
long transaction, and running it twice changes nothing the second time (idempotent).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

BATCH = 10_000


def delete_in_batches(queryset, *, batch: int = BATCH) -> int:
    """Delete the rows of `queryset` a batch of primary keys at a time; returns how many."""
    deleted = 0
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        queryset.model.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


@dataclass
class Pruned:
    snapshots: int
    outbox: int


def prune(*, at: datetime | None = None) -> Pruned:
    from sla.models import BudgetSnapshot

    from .models import OutboxMessage

    at = at or timezone.now()
    snapshots_before = at - timedelta(days=settings.SNAPSHOT_RETENTION_DAYS)
    outbox_before = at - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    return Pruned(
        snapshots=delete_in_batches(BudgetSnapshot.objects.filter(taken_at__lt=snapshots_before)),
        outbox=delete_in_batches(OutboxMessage.objects.filter(published_at__isnull=False, published_at__lt=outbox_before)),
    )
