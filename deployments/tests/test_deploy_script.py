"""scripts/deploy.py: plan, dry run, start, follow, exit codes, local and over the API."""

import importlib.util
import json
from pathlib import Path

import pytest

from delivery_portal.outbox import run_pending
from deployments import tasks
from deployments.models import Deployment
from deployments.services import engine
from deployments.tests.factories import EnvironmentConfigFactory

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "deploy.py"
spec = importlib.util.spec_from_file_location("deploy_script", SCRIPT)
deploy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(deploy)


def run(*argv):
    return deploy.main(["--service", "checkout", "--version", "2.0.0", *argv])


@pytest.mark.django_db
def test_dry_run_prints_stages_durations_gates_and_decisions(service, capsys):
    assert run("--env", "production", "--strategy", "canary", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Canary 5%" in out and "30 min" in out and "1 h" in out and "2 h" in out
    assert "P99 < 400 ms" in out and "Start gates: pass" in out and "Dry run" in out
    assert not Deployment.objects.exists()
    service.freeze_active = True
    service.save()
    assert run("--dry-run", "--json") == 4
    data = json.loads(capsys.readouterr().out)
    assert data["would_start"] is False and "frozen" in data["reasons"][0]


@pytest.mark.django_db
def test_bad_input_exits_2(service, capsys):
    assert deploy.main(["--service", "nope", "--version", "1"]) == 2
    assert "unknown service" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        deploy.main(["--service", "checkout", "--version", "1", "--strategy", "yolo"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        run("--critical")
    assert exc.value.code == 2
    assert run("--change", "CHG-0000-0000") == 2


@pytest.mark.django_db
def test_refused_exits_4_and_is_recorded(service, capsys):
    service.freeze_active = True
    service.save()
    assert run("--strategy", "big_bang") == 4
    out = capsys.readouterr().out
    assert "Refused" in out and "frozen" in out and "maintenance window" in out
    assert Deployment.objects.get().state == "refused"


@pytest.mark.django_db
def test_timeout_stops_following_with_5(fast_canary, monkeypatch):
    monkeypatch.setattr(deploy.time, "sleep", lambda s: None)
    assert run("--timeout", "0.0001", "--poll", "0.01") == 5
    assert Deployment.objects.get().state == "running"


@pytest.mark.django_db
def test_no_follow_starts_and_exits_0(fast_canary, capsys):
    assert run("--no-follow", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"] == "running" and Deployment.objects.get().pk == data["id"]


@pytest.fixture
def celery_between_polls(monkeypatch):
    """Stand-in for the worker and beat while the script sleeps between polls."""

    def make(values):
        def sleep(_seconds):
            run_pending()
            for deployment in Deployment.objects.filter(state__in=("running", "holding")):
                engine.metrics_push(deployment=deployment, **values)
            from deployments.models import RolloutStage
            from django.utils import timezone

            RolloutStage.objects.filter(state="monitoring").update(due_at=timezone.now())
            tasks.advance_due_rollouts()
            run_pending()

        monkeypatch.setattr(deploy.time, "sleep", sleep)

    monkeypatch.setattr("deployments.routers.WebhookRouter.apply", lambda self, **kw: "ok")
    EnvironmentConfigFactory(environment="production", router_kind="webhook", router_settings={"url": "http://x.invalid"})
    return make


@pytest.mark.django_db
def test_follow_until_completed_exits_0(fast_canary, celery_between_polls, capsys):
    celery_between_polls({"error_rate": 0.001, "p99_ms": 100, "healthy": True})
    assert run("--poll", "0.01") == 0
    out = capsys.readouterr().out
    assert "[" in out and "succeeded" in out and "100%" in out


@pytest.mark.django_db
def test_json_of_a_real_run_includes_the_plan(fast_canary, celery_between_polls, capsys):
    """Pipelines read --json: the plan (stages, durations, gates, start-gate decisions) is
    in the final object of a real run too, not only of a dry run."""
    celery_between_polls({"error_rate": 0.001, "p99_ms": 100, "healthy": True})
    assert run("--poll", "0.01", "--json") == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout is the one JSON object; progress went to stderr
    assert data["state"] == "succeeded" and data["id"] == Deployment.objects.get().pk
    plan = data["plan"]
    assert [(s["name"], s["traffic_percent"], s["monitor_minutes"], s["gates"]) for s in plan["stages"]] == [
        ("Canary 5%", 5, 1.0, ["error_rate", "p99", "health"]), ("Canary 50%", 50, 1.0, ["error_rate", "p99", "health"]),
        ("Full rollout", 100, 0.0, ["error_rate", "p99", "health"])]
    assert plan["total_minutes"] == 2.0 and "P99 < 400 ms" in plan["gates"]
    assert plan["would_start"] is True and plan["reasons"] == []
    assert "Started deployment" in captured.err


@pytest.mark.django_db
def test_json_of_a_refused_or_unfollowed_run_includes_the_plan(fast_canary, capsys):
    assert run("--no-follow", "--json") == 0
    assert json.loads(capsys.readouterr().out)["plan"]["stages"][0]["traffic_percent"] == 5
    fast_canary.freeze_active = True
    fast_canary.save()
    assert run("--json", "--version", "2.0.1") == 4
    data = json.loads(capsys.readouterr().out)
    assert data["state"] == "refused" and data["plan"]["would_start"] is False
    assert "frozen" in data["plan"]["reasons"][0] and data["reasons"] == data["plan"]["reasons"]


@pytest.mark.django_db
def test_follow_until_rolled_back_exits_1(fast_canary, celery_between_polls, capsys):
    celery_between_polls({"error_rate": 0.2, "p99_ms": 100, "healthy": True})
    assert run("--poll", "0.01") == 1
    assert "Halted: Error rate 20.00%" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_over_the_api(live_server, users, fast_canary, capsys):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=users["manager"]).key
    api = ["--url", live_server.url, "--token", token]
    assert run(*api, "--dry-run") == 0
    assert "Canary 5%" in capsys.readouterr().out
    assert run(*api, "--no-follow") == 0
    assert Deployment.objects.get().state == "running"
    fast_canary.freeze_active = True
    fast_canary.save()
    assert run(*api) == 4
    assert "frozen" in capsys.readouterr().out
    assert deploy.main(["--service", "nope", "--version", "1", *api]) == 2
    viewer = Token.objects.create(user=users["viewer"]).key
    assert run("--url", live_server.url, "--token", viewer) == 2


@pytest.mark.django_db
def test_local_mode_records_who_asked(fast_canary, users, monkeypatch, capsys):
    monkeypatch.delenv("PORTAL_USER", raising=False)
    assert run("--no-follow") == 0
    anonymous = Deployment.objects.get()
    start = anonymous.events.get(action="start")
    assert anonymous.requested_by is None and start.details["origin"].startswith("deploy.py (local mode) run by ")
    monkeypatch.setenv("PORTAL_USER", "manager")
    assert deploy.main(["--service", "checkout", "--version", "2.0.1", "--no-follow"]) == 0
    named = Deployment.objects.exclude(pk=anonymous.pk).get()
    assert named.requested_by == users["manager"] and "origin" not in named.events.get(action="start").details
