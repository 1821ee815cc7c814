"""With a real Prometheus (Debian's `prometheus`, on loopback, a temp config, 1 s scrapes)
scraping an exporter this test controls: a healthy canary advances to 100%, a canary whose
error rate rises is rolled back. The engine runs as Celery would: the beat task and the
outbox's pending tasks, in a loop."""

import hmac
import json
import time

import pytest

from delivery_portal.notifications import sign
from delivery_portal.outbox import run_pending
from deployments import tasks
from deployments.models import Deployment, EnvironmentConfig, GateEvaluation, StagePlanOverride
from deployments.services import starting
from deployments.tests.realservices import Exporter, Prometheus, find_binary, serve

PROMETHEUS = find_binary("prometheus", "/usr/bin/prometheus")
pytestmark = pytest.mark.skipif(
    PROMETHEUS is None, reason="needs Debian's prometheus binary (apt-get install prometheus; CI installs it)"
)

WINDOW = "5s"
QUERIES = {
    "error_rate": (
        f'sum(rate(http_requests_total{{service="${{service}}",version="${{version}}",code=~"5.."}}[{WINDOW}]))'
        f' / sum(rate(http_requests_total{{service="${{service}}",version="${{version}}"}}[{WINDOW}]))'
    ),
    "p99_ms": (
        "histogram_quantile(0.99, sum by (le) (rate("
        f'http_request_duration_seconds_bucket{{service="${{service}}",version="${{version}}"}}[{WINDOW}]))) * 1000'
    ),
    "healthy": 'min(up{service="${service}"})',
}


@pytest.fixture
def stack(tmp_path, service):
    exporter = Exporter(version="2.0.0")
    server, url = serve(exporter.handler())
    prometheus = Prometheus(PROMETHEUS, tmp_path, url.removeprefix("http://"), service.slug)
    try:
        prometheus.wait_ready()
        EnvironmentConfig.objects.create(
            environment="production", router_kind="webhook", router_settings={"url": f"{url}/hook", "secret": "s3cret"},
            metrics_provider="prometheus", metrics_settings={"url": prometheus.url, "queries": QUERIES},
            check_interval_seconds=1,
        )
        yield exporter, prometheus
    finally:
        prometheus.stop()
        server.shutdown()


def drive(deployment, *, until, timeout=45.0):
    """What the worker and beat do, repeatedly, until `until(deployment)` or the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_pending()
        tasks.advance_due_rollouts()
        run_pending()
        deployment.refresh_from_db()
        if until(deployment):
            return deployment
        time.sleep(0.5)
    pytest.fail(f"rollout stuck in {deployment.state} at {deployment.traffic_percent}%")


def test_a_healthy_canary_advances_and_a_failing_one_rolls_back(stack, service, users):
    exporter, prometheus = stack
    StagePlanOverride.objects.create(
        service=service, environment="production", strategy="canary",
        stages=[{"traffic_percent": 10, "monitor_minutes": 0.05}, {"traffic_percent": 50, "monitor_minutes": 0.05},
                {"traffic_percent": 100, "monitor_minutes": 0}],
    )
    deployment = starting.deployment_request(service=service, version="2.0.0", by=users["manager"])
    deployment = drive(deployment, until=lambda d: d.state not in ("running", "holding"))
    assert deployment.state == "succeeded" and deployment.traffic_percent == 100
    passes = GateEvaluation.objects.filter(deployment=deployment, trigger="stage_end", decision="pass")
    assert passes.count() == 2
    seen = GateEvaluation.objects.filter(deployment=deployment, trigger="prometheus", decision="pass").first()
    assert seen.error_rate == pytest.approx(0.001, abs=0.0005)
    assert 50 < seen.p99_ms < 100 and seen.healthy is True
    # The webhook router told the "load balancer" each shift, signed.
    shifts = [json.loads(body)["to_percent"] for _, body in exporter.hooks]
    assert shifts == [10, 50, 100]
    signature, body = exporter.hooks[0]
    assert hmac.compare_digest(signature, sign(body, "s3cret"))

    # Now a canary whose error rate rises while its first stage is watched.
    StagePlanOverride.objects.filter(service=service).update(
        stages=[{"traffic_percent": 10, "monitor_minutes": 1}, {"traffic_percent": 100, "monitor_minutes": 0}]
    )
    exporter.version = "2.1.0"
    bad = starting.deployment_request(service=service, version="2.1.0", by=users["manager"])
    drive(bad, until=lambda d: d.traffic_percent == 10, timeout=20)
    exporter.error_fraction = 0.2
    bad = drive(bad, until=lambda d: d.state != "running", timeout=30)
    assert bad.state == "rolled_back", bad.halt_reason
    assert "Error rate" in bad.halt_reason
    breach = GateEvaluation.objects.get(deployment=bad, decision="breach")
    assert breach.error_rate > 0.01 and breach.trigger == "prometheus"
    drive(bad, until=lambda d: d.traffic_percent == 0, timeout=10)
    assert json.loads(exporter.hooks[-1][1])["rollback"] is True
    assert Deployment.objects.get(pk=bad.pk).stages.get(index=1).state == "skipped"


def test_empty_result_and_nan_are_no_data(stack, service, users):
    from deployments.providers import PrometheusProvider

    _, prometheus = stack
    provider = PrometheusProvider({"url": prometheus.url})
    assert provider.query('up{service="nothing-here"}') is None
    assert provider.query("0/0") is None  # NaN
    assert provider.query("vector(1)") == 1.0
