"""Daily housekeeping: old budget snapshots and published outbox messages go, nothing else."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from delivery_portal import housekeeping
from delivery_portal.models import OutboxMessage
from delivery_portal.tasks import housekeeping_prune
from sla.models import BudgetSnapshot
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def snapshot(service, taken_at):
    zero = Decimal("0")
    return BudgetSnapshot.objects.create(
        service=service, period="month", taken_at=taken_at, computed_at=taken_at, period_start=taken_at,
        budget_minutes=Decimal("43.8"), consumed_minutes=zero, remaining_minutes=Decimal("43.8"),
        remaining_percent=Decimal("100"), burn_rate=zero, status="on_track",
    )


def test_prunes_what_is_past_retention_and_keeps_the_rest(settings):
    settings.SNAPSHOT_RETENTION_DAYS, settings.OUTBOX_RETENTION_DAYS = 400, 7
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    service = ServiceFactory()
    old = [snapshot(service, now - timedelta(days=401, hours=h)) for h in range(5)]
    kept = snapshot(service, now - timedelta(days=399))
    sent_long_ago = OutboxMessage.objects.create(task_name="t", published_at=now - timedelta(days=8))
    sent_lately = OutboxMessage.objects.create(task_name="t", published_at=now - timedelta(days=6))
    never_sent = OutboxMessage.objects.create(task_name="t")
    OutboxMessage.objects.filter(pk=never_sent.pk).update(created_at=now - timedelta(days=30))  # still owed by the relay

    result = housekeeping.prune(at=now)

    assert result == {"outbox": 1, "snapshots": 5}
    assert list(BudgetSnapshot.objects.all()) == [kept] and not any(BudgetSnapshot.objects.filter(pk=s.pk).exists() for s in old)
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {sent_lately.pk, never_sent.pk}
    assert sent_long_ago.pk not in set(OutboxMessage.objects.values_list("pk", flat=True))
    assert housekeeping_prune() == {"outbox": 0, "snapshots": 0}  # idempotent


def test_deletes_in_batches_until_nothing_is_left():
    for n in range(7):
        OutboxMessage.objects.create(task_name=f"t{n}", published_at=timezone.now())
    assert housekeeping.delete_in_batches(OutboxMessage.objects.all(), batch=3) == 7
    assert not OutboxMessage.objects.exists()


def test_the_beat_runs_it_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["housekeeping-prune"]
    assert entry["task"] == "delivery_portal.tasks.housekeeping_prune" and entry["schedule"] == 86400.0
