"""The beat task runs on a real worker over Redis and reminds once, however often it runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery_portal.models import Notification, WorkerHeartbeat
from incidents.services import lifecycle
from incidents.models import ReminderLedger
from sla.tests.factories import ServiceFactory

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]


def test_status_update_reminder_on_a_real_worker(celery_worker, make_user, wait_until):
    from delivery_portal.celery import app

    oncall = make_user("olive", "on_call")
    start = timezone.now() - timedelta(minutes=50)
    incident = lifecycle.incident_open(
        title="Outage", severity="SEV-1", services=[ServiceFactory(slug="portal")], impact_started_at=start, detected_at=start, by=oncall, at=start
    )
    lifecycle.incident_triage(incident=incident, by=oncall, at=start + timedelta(minutes=5))  # update due 35 min after start
    for _ in range(3):  # beat firing again and again
        app.send_task("incidents.tasks.remind_overdue_status_updates")
    # The solo worker takes tasks in order: once this heartbeat is answered, all three ran.
    heartbeat = WorkerHeartbeat.objects.create(requested_by=oncall)
    app.send_task("delivery_portal.tasks.answer_heartbeat", kwargs={"heartbeat_id": heartbeat.pk})
    wait_until(lambda: WorkerHeartbeat.objects.filter(pk=heartbeat.pk, answered_at__isnull=False).exists(), timeout=60)
    assert ReminderLedger.objects.filter(incident=incident, kind="status_update").count() == 1
    assert Notification.objects.filter(event="incident.status_update_overdue").count() == 1
