"""With a real Celery worker over Redis on PostgreSQL: stage ends arrive by countdown, and
after a worker is killed (its countdown message lost with it) and another starts, the beat
task picks up the stage that came due meanwhile."""

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings

from delivery_portal.celery import app
from deployments.models import Deployment, EnvironmentConfig, StagePlanOverride
from deployments.services import engine, starting
from deployments.tests.realservices import serve

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_worker():
    db = settings.DATABASES["default"]
    env = {**os.environ, "CONN_MAX_AGE": "0", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "delivery_portal", "worker", "-P", "solo", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"second-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def test_countdown_then_restart_then_beat(celery_worker, service, users, wait_until):
    from http.server import BaseHTTPRequestHandler

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()

    server, url = serve(Hook)
    EnvironmentConfig.objects.create(environment="production", router_kind="webhook", router_settings={"url": url})
    StagePlanOverride.objects.create(
        service=service, environment="production", strategy="canary",
        stages=[{"traffic_percent": 5, "monitor_minutes": 0.05}, {"traffic_percent": 50, "monitor_minutes": 0.05},
                {"traffic_percent": 100, "monitor_minutes": 0}],
    )
    deployment = starting.deployment_request(service=service, version="2.0.0", by=users["manager"])
    get = lambda: Deployment.objects.get(pk=deployment.pk)  # noqa: E731
    wait_until(lambda: get().traffic_percent == 5, timeout=20)
    engine.metrics_push(deployment=deployment, error_rate=0.001, p99_ms=100, healthy=True)
    # The worker ends stage 1 when its countdown (3 s) fires, and moves traffic to 50%.
    wait_until(lambda: get().traffic_percent == 50, timeout=30)
    engine.metrics_push(deployment=deployment, error_rate=0.001, p99_ms=100, healthy=True)
    # The worker dies holding stage 2's countdown message.
    celery_worker.send_signal(signal.SIGKILL)
    celery_worker.wait(timeout=10)
    # Make the loss certain: a countdown message the dead worker had not fetched yet
    # would otherwise reach the replacement, and the beat would have nothing to do.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    replacement = start_worker()
    try:
        wait_until(lambda: app.control.ping(timeout=0.5), timeout=60)
        wait_until(lambda: get().stages.get(index=1).due_at is not None, timeout=5)
        import time

        time.sleep(4)  # stage 2 comes due while its message is lost
        assert get().state == "running" and get().traffic_percent == 50
        app.send_task("deployments.tasks.advance_due_rollouts")  # what beat sends every 30 s
        wait_until(lambda: get().state == "succeeded", timeout=30)
        assert get().traffic_percent == 100
    finally:
        replacement.terminate()
        replacement.wait(timeout=15)
        server.shutdown()
