"""With the broker down, pages and the API keep working and no enqueued work is lost.

The test runs a Redis server of its own on a free port so it can stop and start it
without disturbing the shared one.
"""

import shutil
import socket
import subprocess
import time

import pytest
from django.test import Client
from django.urls import reverse

from delivery_portal import outbox
from delivery_portal.models import OutboxMessage, WorkerHeartbeat

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.worker]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self):
        self.port = _free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def private_redis(requires_postgres, monkeypatch):
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on PATH (Debian's redis-server; CI has it)")
    from delivery_portal.celery import app

    redis = PrivateRedis()
    old = app.conf.broker_url
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    app.conf.broker_url = redis.url
    outbox._broker_down_until = 0.0
    yield redis
    redis.stop()
    app.conf.broker_url = old
    outbox._broker_down_until = 0.0
    _forget_broker_connections(app)


def _forget_broker_connections(app):
    """Drop the connection and producer pools cached on the private Redis (now stopped).

    Otherwise a later test's `app.control.ping` publishes through the cached pool to the
    dead server and retries for ever (tests/test_worker.py hung after this one).
    """
    if app._pool is not None:
        app._pool.force_close_all()
    app._after_fork()
    try:
        app.control._after_fork()
    except AttributeError:
        pass


def test_pages_and_api_work_while_the_broker_is_down_and_nothing_is_lost(
    private_redis, transactional_db, settings, make_user, api_for, wait_until
):
    from conftest import start_worker, stop_worker

    settings.OUTBOX_PUBLISH_ON_COMMIT = True
    settings.CELERY_BROKER_URL = private_redis.url
    manager = make_user("boss", "delivery_manager")
    client = Client()
    client.force_login(manager)

    # Broker down (never started): a request that enqueues work answers at once.
    started = time.monotonic()
    response = client.post(reverse("system-check-worker"))
    assert response.status_code == 302
    assert time.monotonic() - started < 5, "the request waited for the broker"
    for url in ("/", "/sla/", "/incidents/", "/changes/", "/releases/", "/deployments/", "/insights/", "/system/"):
        assert client.get(url).status_code == 200, url
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    assert api.get("/api/v1/services/").status_code == 200
    pending = OutboxMessage.objects.filter(published_at__isnull=True)
    assert pending.count() == 1

    # Broker back: the relay publishes what waited, a worker runs it, exactly once.
    private_redis.start()
    worker = start_worker(private_redis.url)
    try:
        assert outbox.relay(older_than_seconds=0) == 1
        heartbeat = WorkerHeartbeat.objects.get()
        wait_until(lambda: WorkerHeartbeat.objects.filter(pk=heartbeat.pk, answered_at__isnull=False).exists())
        assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 0
    finally:
        stop_worker(worker)
