"""With a real nginx (Debian's `nginx`, on loopback, a temp config) in front of two tiny
backends: after each traffic shift made by the nginx router, requests through nginx reach
the old and the new backend in the stage's proportions."""

import os
import subprocess
import time
from http.server import BaseHTTPRequestHandler

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from delivery_portal.outbox import run_pending
from deployments.models import EnvironmentConfig, StagePlanOverride
from deployments.routers import nginx_upstream
from deployments.services import controls, engine, starting, traffic
from deployments.tests.realservices import find_binary, free_port, serve

NGINX = find_binary("nginx", "/usr/sbin/nginx")
pytestmark = pytest.mark.skipif(NGINX is None, reason="needs Debian's nginx binary (apt-get install nginx; CI installs it)")
REQUESTS = 200
TOLERANCE = 0.03


def backend(name):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return serve(Handler)


@pytest.fixture
def nginx(tmp_path, db):
    old_server, old_url = backend("old")
    new_server, new_url = backend("new")
    old, new = old_url.removeprefix("http://"), new_url.removeprefix("http://")
    port = free_port()
    upstream = tmp_path / "upstream.conf"
    upstream.write_text(nginx_upstream("app", [old], [new], 0))
    conf = tmp_path / "nginx.conf"
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\ndaemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n  access_log off;\n"
        + "".join(f"  {name}_temp_path {path};\n" for name, path in
                  (("client_body", temp["body"]), ("proxy", temp["proxy"]), ("fastcgi", temp["fastcgi"]),
                   ("uwsgi", temp["uwsgi"]), ("scgi", temp["scgi"])))
        + f"  include {upstream};\n"
        f"  server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://app; }} }}\n}}\n"
    )
    command = [NGINX, "-p", str(tmp_path), "-c", str(conf)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 10
    while True:
        if proc.poll() is not None:
            pytest.fail("nginx exited at start: " + proc.stdout.read().decode())
        try:
            requests.get(url, timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                pytest.fail("nginx did not answer")
            time.sleep(0.1)
    EnvironmentConfig.objects.create(
        environment="production", router_kind="nginx",
        router_settings={"upstream_file": str(upstream), "upstream_name": "app", "stable_servers": [old],
                         "canary_servers": [new], "reload_command": [*command, "-s", "reload"]},
    )
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    old_server.shutdown()
    new_server.shutdown()


def share_of_new(url):
    """A graceful reload closes the old workers' idle keep-alive connections, so a GET may meet
    a closed connection (RemoteDisconnected); that is nginx working as designed, and a GET is
    safe to send again, so the session retries connection errors instead of failing the count."""
    retry = Retry(total=5, connect=5, read=5, backoff_factor=0.05, allowed_methods={"GET"})
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=retry))
        answers = [session.get(url, timeout=5).text for _ in range(REQUESTS)]
    return answers.count("new") / len(answers)


def assert_share(url, percent):
    """nginx reloads gracefully: old workers may answer for a moment, so allow it to settle."""
    deadline = time.monotonic() + 10
    tolerance = 0 if percent in (0, 100) else TOLERANCE  # all or nothing is exact
    while True:
        share = share_of_new(url)
        if abs(share - percent / 100) <= tolerance:
            return share
        if time.monotonic() > deadline:
            pytest.fail(f"{share:.1%} of requests reached the new version, wanted {percent}%")
        time.sleep(0.2)


def test_requests_follow_each_shift_and_the_rollback(nginx, service, users):
    manager = users["manager"]
    StagePlanOverride.objects.create(
        service=service, environment="production", strategy="canary",
        stages=[{"traffic_percent": p, "monitor_minutes": 30} for p in (10, 25, 50)] + [{"traffic_percent": 100, "monitor_minutes": 0}],
    )
    assert assert_share(nginx, 0) == 0
    deployment = starting.deployment_request(service=service, version="2.0.0", by=manager)
    for percent in (10, 25, 50):
        run_pending()  # the worker runs the router: upstream file + reload
        deployment.refresh_from_db()
        assert deployment.traffic_percent == percent
        assert_share(nginx, percent)
        if percent < 50:
            controls.deployment_promote(deployment=deployment, by=manager, reason="integration test")
    controls.deployment_rollback(deployment=deployment, by=manager, reason="integration test")
    run_pending()
    deployment.refresh_from_db()
    assert deployment.traffic_percent == 0
    assert assert_share(nginx, 0) == 0

    full = starting.deployment_request(service=service, version="2.0.1", strategy="blue_green", by=manager)
    engine.metrics_push(deployment=full, healthy=True)
    controls.deployment_promote(deployment=full, by=manager, reason="idle colour healthy")
    run_pending()
    assert assert_share(nginx, 100) == 1


def test_a_failing_reload_fails_the_shift(nginx, service, users, tmp_path):
    from deployments.routers import RouterError

    config = EnvironmentConfig.objects.get()
    config.router_settings = {**config.router_settings, "reload_command": ["false"]}
    config.save()
    deployment = starting.deployment_request(service=service, version="3.0.0", by=users["manager"])
    shift = deployment.shifts.get()
    with pytest.raises(RouterError, match="reload exited 1"):
        traffic.traffic_shift_apply(shift_id=shift.pk)
