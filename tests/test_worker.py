"""A task enqueued by a web request runs on a real worker over Redis (not eager mode)."""

import pytest
from django.test import Client
from django.urls import reverse

from delivery_portal.models import WorkerHeartbeat

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]


def test_worker_answers_a_request_made_on_a_page(celery_worker, make_user, wait_until):
    manager = make_user("boss", "delivery_manager")
    client = Client()
    client.force_login(manager)
    response = client.post(reverse("system-check-worker"))
    assert response.status_code == 302
    heartbeat = WorkerHeartbeat.objects.get()
    wait_until(lambda: WorkerHeartbeat.objects.filter(pk=heartbeat.pk, answered_at__isnull=False).exists(), timeout=30)
    page = client.get(reverse("system")).content.decode()
    heartbeat.refresh_from_db()
    assert heartbeat.worker  # the worker's host name
    assert heartbeat.answered_at.strftime("%Y-%m-%d %H:%M:%S") in page
