"""Routers and providers behind their interfaces, without the real servers."""

import hmac
import json

import pytest

from delivery_portal.notifications import sign
from deployments.providers import PrometheusProvider, _first_value
from deployments.routers import NginxRouter, RouterError, WebhookRouter, get_router, nginx_upstream
from deployments.selectors import active_deployments
from deployments.services import starting
from deployments.tests.factories import DeploymentFactory
from deployments.tests.realservices import serve


def test_prometheus_values():
    assert _first_value({"resultType": "vector", "result": []}) is None
    assert _first_value({"resultType": "vector", "result": [{"metric": {}, "value": [1, "NaN"]}]}) is None
    assert _first_value({"resultType": "vector", "result": [{"metric": {}, "value": [1, "0.004"]}]}) == 0.004
    assert _first_value({"resultType": "scalar", "result": [1, "12.5"]}) == 12.5


@pytest.mark.django_db
def test_prometheus_queries_are_configurable_and_filled_in():
    deployment = DeploymentFactory(version="2.0.0", service__slug="checkout")
    provider = PrometheusProvider({"url": "http://p", "queries": {"p99_ms": 'my_p99{svc="${service}",v="${version}"}'}})
    assert provider.render("p99_ms", deployment) == 'my_p99{svc="checkout",v="2.0.0"}'
    assert 'service="checkout"' in provider.render("error_rate", deployment)


def test_nginx_upstream_weights():
    assert nginx_upstream("app", ["a:1"], ["b:1"], 0) == "upstream app {\n    server a:1 weight=100;\n}\n"
    assert "server a:1 weight=75;\n    server b:1 weight=25;" in nginx_upstream("app", ["a:1"], ["b:1"], 25)
    assert "a:1" not in nginx_upstream("app", ["a:1"], ["b:1"], 100)


@pytest.mark.django_db
def test_nginx_router_writes_the_file_and_reports_a_failing_reload(tmp_path):
    deployment = DeploymentFactory()
    target = tmp_path / "upstream.conf"
    router = NginxRouter({"upstream_file": str(target), "stable_servers": ["a:1"], "canary_servers": ["b:1"], "reload_command": "true"})
    router.apply(deployment=deployment, to_percent=5)
    assert "weight=5;" in target.read_text()
    with pytest.raises(RouterError):
        NginxRouter({"upstream_file": str(target), "stable_servers": ["a:1"], "canary_servers": ["b:1"],
                     "reload_command": ["false"]}).apply(deployment=deployment, to_percent=5)
    with pytest.raises(RouterError):
        get_router("nginx", {}).apply(deployment=deployment, to_percent=5)
    assert get_router("manual").automatic is False


@pytest.mark.django_db
def test_webhook_router_posts_signed_json_and_fails_on_errors(settings):
    from http.server import BaseHTTPRequestHandler

    received, status = [], [204]

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            received.append((self.headers["X-Portal-Signature"], self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(status[0])
            self.end_headers()

    server, url = serve(Hook)
    try:
        deployment = DeploymentFactory(version="2.0.0")
        WebhookRouter({"url": url}).apply(deployment=deployment, to_percent=25)
        signature, body = received[0]
        assert hmac.compare_digest(signature, sign(body))
        assert json.loads(body)["to_percent"] == 25 and json.loads(body)["event"] == "deployment.traffic_shift"
        status[0] = 502
        with pytest.raises(RouterError, match="502"):
            WebhookRouter({"url": url}).apply(deployment=deployment, to_percent=25)
    finally:
        server.shutdown()


@pytest.mark.django_db
def test_active_deployments_for_the_dashboard(fast_canary, users, django_assert_max_num_queries):
    running = starting.deployment_request(service=fast_canary, version="2.0", by=users["manager"])
    starting.deployment_record(service=fast_canary, version="1.9", status="succeeded")
    with django_assert_max_num_queries(2):
        active = list(active_deployments())
        assert [d.pk for d in active] == [running.pk]
        assert [s.traffic_percent for s in active[0].stages.all()] == [5, 50, 100]


@pytest.mark.django_db
def test_demo_data(users):
    from deployments import demo
    from deployments.models import Deployment

    demo.load(users)
    count = Deployment.objects.count()
    demo.load(users)
    assert Deployment.objects.count() == count
    recorded = Deployment.objects.filter(recorded=True, environment="production")
    assert recorded.count() >= 6 and all(d.commits.count() == 3 for d in recorded)
    assert Deployment.objects.filter(state="running", strategy="canary", traffic_percent=5).count() == 1


@pytest.mark.django_db
def test_environment_config_validation():
    from django.core.exceptions import ValidationError

    from deployments.models import EnvironmentConfig

    with pytest.raises(ValidationError, match="needs"):
        EnvironmentConfig(environment="p", router_kind="webhook").full_clean()
    with pytest.raises(ValidationError, match="canary_servers"):
        EnvironmentConfig(environment="p", router_kind="nginx", router_settings={"upstream_file": "/x", "stable_servers": ["a"]}).full_clean()
    with pytest.raises(ValidationError, match="Unknown queries"):
        EnvironmentConfig(environment="p", metrics_provider="prometheus",
                          metrics_settings={"url": "http://p", "queries": {"latency": "x"}}).full_clean()
    EnvironmentConfig(environment="p", metrics_provider="prometheus", metrics_settings={"url": "http://p"}).full_clean()
