"""The portal's own pages: a worker check asked for and answered, the inbox read and marked."""

import pytest
from django.urls import reverse

from delivery_portal import outbox
from delivery_portal.models import Notification, OutboxMessage, WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_a_manager_asks_a_worker_and_the_answer_is_recorded_once(client_for, users):
    client = client_for("manager")
    response = client.post(reverse("system-check-worker"))
    assert response.status_code == 302
    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.requested_by == users["manager"] and heartbeat.answered_at is None
    assert OutboxMessage.objects.filter(task_name="delivery_portal.tasks.answer_heartbeat").count() == 1
    page = client.get(reverse("system")).content.decode()
    assert 'data-testid="pending-outbox">1<' in page and "waiting…" in page
    assert outbox.run_pending("delivery_portal.tasks.answer_heartbeat") == 1
    heartbeat.refresh_from_db()
    answered = heartbeat.answered_at
    assert answered is not None and heartbeat.worker
    from delivery_portal.tasks import answer_heartbeat

    answer_heartbeat(heartbeat.pk)  # a second delivery of the same message changes nothing
    heartbeat.refresh_from_db()
    assert heartbeat.answered_at == answered
    partial = client.get(reverse("system"), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="heartbeats"') and heartbeat.worker in partial


def test_only_a_manager_asks_a_worker(client_for):
    assert client_for("cab1").post(reverse("system-check-worker")).status_code == 403
    assert not WorkerHeartbeat.objects.exists() and not OutboxMessage.objects.exists()


def test_the_inbox_shows_and_marks_read_only_ones_own_notifications(client_for, users):
    mine = Notification.objects.create(recipient=users["cab1"], event="e", subject="For cab1")
    theirs = Notification.objects.create(recipient=users["cab2"], event="e", subject="For cab2")
    client = client_for("cab1")
    page = client.get(reverse("inbox")).content.decode()
    assert "For cab1" in page and "For cab2" not in page
    assert client.post(reverse("inbox-mark-read")).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
