"""A real Celery worker over Redis delivers a team's Slack message: retried after Slack's
503, then delivered, and never posted again however often the task comes back."""

import pytest
from django.utils import timezone

from delivery_portal.models import WorkerHeartbeat
from incidents.services.lifecycle import incident_open
from sla.tests.factories import ServiceFactory, TeamFactory
from slack_integration.models import SlackDelivery

from .conftest import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def loopback_allowed(monkeypatch, settings):
    # The worker is another process: it reads the allowance from its environment.
    monkeypatch.setenv("OUTBOUND_ALLOWED_HOSTS", "127.0.0.1")
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]


def test_slack_delivery_on_a_real_worker(loopback_allowed, celery_worker, make_user, wait_until):
    from delivery_portal.celery import app

    receiver = Receiver()
    try:
        receiver.statuses = [503]
        team = TeamFactory(slug="payments", slack_webhook_url=f"{receiver.url}/services/T0/B0/hook")
        oncall = make_user("olive", "on_call")
        incident = incident_open(
            title="Checkout down", severity="SEV-1", services=[ServiceFactory(slug="checkout", team=team)],
            impact_started_at=timezone.now(), by=oncall,
        )
        row = SlackDelivery.objects.get()
        wait_until(lambda: SlackDelivery.objects.filter(pk=row.pk, state="delivered").exists(), timeout=90)
        row.refresh_from_db()
        assert row.attempts == 2 and len(receiver.posts) == 2  # 503, then the retry 10 s later
        assert receiver.json()["blocks"][0]["text"]["text"] == f"SEV-1 declared: {incident.reference}"

        for _ in range(2):  # the same task again (a redelivery, the relay racing a publish)
            app.send_task("slack_integration.tasks.deliver_message", kwargs={"delivery_id": row.pk})
        heartbeat = WorkerHeartbeat.objects.create(requested_by=oncall)
        app.send_task("delivery_portal.tasks.answer_heartbeat", kwargs={"heartbeat_id": heartbeat.pk})
        wait_until(lambda: WorkerHeartbeat.objects.filter(pk=heartbeat.pk, answered_at__isnull=False).exists(), timeout=60)
        assert len(receiver.posts) == 2 and SlackDelivery.objects.get().attempts == 2
    finally:
        receiver.server.shutdown()
