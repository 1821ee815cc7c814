"""Housekeeping: rows that only grow are pruned once a day (beat: `delivery_portal.tasks.housekeeping_prune`).

What is pruned is registered by the app that owns the rows (`register`, from its AppConfig.ready):

- `snapshots` (sla): budget snapshots (one per service and hour: 4.4 million a year for 500
  services) older than `SNAPSHOT_RETENTION_DAYS` (default 400: the service page charts 31 days;
  a year stays for comparisons).
- `outbox` (here): published outbox messages older than `OUTBOX_RETENTION_DAYS` (default 7, time enough to see
  what was sent while investigating). Pending ones are never touched: the relay still owes them.

Deletes go in batches of primary keys so that a first run over years of rows never holds one
long transaction, and running it twice changes nothing the second time (idempotent).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
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


# name -> (the rows made before a moment, the setting that says how many days they are kept).
# Each app registers what it prunes in its AppConfig.ready(): this module knows no app.
PRUNABLE: dict[str, tuple[Callable[[datetime], QuerySet], str]] = {}


def register(name: str, *, rows_before: Callable[[datetime], QuerySet], retention_setting: str) -> None:
    """Prune `rows_before(cutoff)` daily, the cutoff being `settings.<retention_setting>` days ago."""
    PRUNABLE[name] = (rows_before, retention_setting)


def prune(*, at: datetime | None = None) -> dict[str, int]:
    """Delete every registered kind of row past its retention; name -> how many went."""
    at = at or timezone.now()
    return {
        name: delete_in_batches(rows_before(at - timedelta(days=getattr(settings, retention_setting))))
        for name, (rows_before, retention_setting) in PRUNABLE.items()
    }


def published_outbox_before(cutoff: datetime) -> QuerySet:
    """Published outbox messages; pending ones are never touched, the relay still owes them."""
    from .models import OutboxMessage

    return OutboxMessage.objects.filter(published_at__isnull=False, published_at__lt=cutoff)


register("outbox", rows_before=published_outbox_before, retention_setting="OUTBOX_RETENTION_DAYS")
