"""The beat task, run by a real Celery worker over Redis, freezes a fast burner and lifts it."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from delivery_portal import outbox
from delivery_portal.models import Notification
from sla import selectors
from sla.domain import periods
from sla.models import BudgetSnapshot, Freeze, ImpactWindow, MaintenanceWindow, Service
from sla.tests.factories import ServiceFactory, TeamFactory

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]


def run_beat_task():
    # What beat does every minute: publish sla.tasks.recompute_budgets (through the outbox here).
    with transaction.atomic():
        outbox.enqueue("sla.tasks.recompute_budgets")


def test_real_worker_freezes_and_lifts(celery_worker, wait_until):
    now = timezone.now()
    month_start, _ = periods.period_bounds("month", now, selectors.portal_tz())
    team = TeamFactory(slug="web", email="web@example.com")
    service = ServiceFactory(slug="portal", team=team)
    calm = ServiceFactory(slug="calm", team=team)
    # An hour of impact (or all of the month so far, if younger): burn rate far above 1.5x.
    started = max(month_start, now - timedelta(hours=2))
    ImpactWindow.objects.create(service=service, source_ref="INC-2026-0500", title="Outage", started_at=started, ended_at=now)
    assert selectors.service_budget(service, at=now).status in ("frozen", "exhausted")

    run_beat_task()
    wait_until(lambda: Service.objects.get(pk=service.pk).freeze_active, timeout=60)
    freeze = Freeze.objects.get(service=service)
    assert freeze.cause == "budget" and freeze.started_by is None and freeze.ended_at is None
    assert not Service.objects.get(pk=calm.pk).freeze_active
    assert Notification.objects.filter(event="freeze.started", email="web@example.com").exists()
    assert BudgetSnapshot.objects.filter(service=service, status__in=["frozen", "exhausted"]).exists()

    # It normalises: the impact turns out to be planned maintenance.
    MaintenanceWindow.objects.create(service=service, starts_at=started - timedelta(minutes=1), ends_at=now + timedelta(hours=1), reason="Planned")
    run_beat_task()
    wait_until(lambda: not Service.objects.get(pk=service.pk).freeze_active, timeout=60)
    freeze.refresh_from_db()
    assert freeze.ended_at is not None and freeze.ended_by is None and "back to normal" in freeze.end_reason
    assert Notification.objects.filter(event="freeze.lifted", email="web@example.com").exists()
    # Running the task again changes nothing (idempotent).
    run_beat_task()
    wait_until(lambda: not outbox.OutboxMessage.objects.filter(published_at__isnull=True).exists(), timeout=30)
    assert Freeze.objects.filter(service=service).count() == 1
