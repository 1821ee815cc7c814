"""The rollout engine through its services and tasks (the outbox runs them)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery_portal.errors import ProcessError
from delivery_portal.models import OutboxMessage
from delivery_portal.outbox import run_pending
from deployments import selectors, tasks
from deployments.models import EnvironmentConfig, GateEvaluation, StagePlanOverride, TrafficShift
from deployments.services import controls, engine, starting, traffic
from deployments.tests.factories import EnvironmentConfigFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook_env(db):
    # The router "works" (patched below) so shifts apply through the task, like nginx would.
    return EnvironmentConfigFactory(environment="production", router_kind="webhook", router_settings={"url": "http://hook.invalid/"})


@pytest.fixture(autouse=True)
def fake_webhook(monkeypatch):
    calls = []

    def apply(self, *, deployment, to_percent, stage=None, rollback=False):
        calls.append((to_percent, rollback))
        return "ok"

    monkeypatch.setattr("deployments.routers.WebhookRouter.apply", apply)
    return calls


def start(service, users, **kw):
    return starting.deployment_request(service=service, version="2.0.0", by=users["manager"], **kw)


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_canary_starts_with_the_configured_plan_and_waits_for_a_person_on_the_manual_router(fast_canary, users):
    deployment = start(fast_canary, users)
    assert deployment.state == "running"
    stages = list(deployment.stages.order_by("index"))
    assert [(s.traffic_percent, s.monitor_minutes) for s in stages] == [(5, 1), (50, 1), (100, 0)]
    assert stages[0].state == "shifting" and deployment.traffic_percent == 0
    shift = TrafficShift.objects.get()
    assert (shift.to_percent, shift.router_kind, shift.state) == (5, "manual", "pending")
    traffic.traffic_shift_confirm(deployment=deployment, by=users["manager"])
    deployment.refresh_from_db()
    stage = deployment.stages.get(index=0)
    assert deployment.traffic_percent == 5 and stage.state == "monitoring"
    assert stage.due_at - stage.started_at == timedelta(minutes=1)
    # The stage's end is scheduled with a countdown through the outbox.
    message = OutboxMessage.objects.get(task_name="deployments.tasks.advance_rollout")
    assert message.countdown_seconds == 60


def test_a_healthy_canary_advances_stage_by_stage_and_completes(fast_canary, users, webhook_env, fake_webhook):
    deployment = start(fast_canary, users)
    run_pending("deployments.tasks.apply_traffic_shift")
    deployment.refresh_from_db()
    assert deployment.traffic_percent == 5
    engine.metrics_push(deployment=deployment, error_rate=0.002, p99_ms=120, healthy=True)
    # Not due yet: the countdown task arriving early changes nothing.
    assert engine.rollout_tick(deployment_id=deployment.pk) == "running"
    assert engine.rollout_tick(deployment_id=deployment.pk, at=later(2)) == "running"
    run_pending("deployments.tasks.apply_traffic_shift")
    deployment.refresh_from_db()
    assert (deployment.current_stage, deployment.traffic_percent) == (1, 50)
    engine.metrics_push(deployment=deployment, error_rate=0.003, p99_ms=150, healthy=True)
    engine.rollout_tick(deployment_id=deployment.pk, at=later(2))
    run_pending("deployments.tasks.apply_traffic_shift")
    deployment.refresh_from_db()
    assert deployment.state == "succeeded" and deployment.traffic_percent == 100
    assert [s.state for s in deployment.stages.order_by("index")] == ["passed", "passed", "passed"]
    assert fake_webhook == [(5, False), (50, False), (100, False)]
    actions = list(deployment.events.order_by("pk").values_list("action", flat=True))
    assert actions[0] == "start" and actions[-1] == "complete"
    assert GateEvaluation.objects.filter(deployment=deployment, trigger="stage_end", decision="pass").count() == 2


def test_a_breach_halts_and_rolls_back_at_once(fast_canary, users, webhook_env, fake_webhook):
    deployment = start(fast_canary, users)
    run_pending()
    engine.metrics_push(deployment=deployment, error_rate=0.025, p99_ms=120, healthy=True)
    deployment.refresh_from_db()
    assert deployment.state == "rolled_back"
    assert "Error rate 2.50%" in deployment.halt_reason
    assert deployment.stages.get(index=0).state == "breached"
    assert deployment.stages.get(index=1).state == "skipped"
    run_pending()
    deployment.refresh_from_db()
    assert deployment.traffic_percent == 0 and fake_webhook[-1] == (0, True)
    evaluation = GateEvaluation.objects.get(deployment=deployment, decision="breach")
    assert (evaluation.error_rate, evaluation.p99_ms, evaluation.p99_threshold_ms) == (0.025, 120, 400)


@pytest.mark.parametrize("values", [{"p99_ms": 401, "error_rate": 0.001, "healthy": True}, {"healthy": False}])
def test_latency_and_health_breaches(fast_canary, users, webhook_env, values):
    deployment = start(fast_canary, users)
    run_pending()
    engine.metrics_push(deployment=deployment, **values)
    deployment.refresh_from_db()
    assert deployment.state == "rolled_back"


def test_no_data_holds_and_says_so_then_data_lets_it_go_on(fast_canary, users, webhook_env):
    deployment = start(fast_canary, users)
    run_pending()
    assert engine.rollout_tick(deployment_id=deployment.pk, at=later(2)) == "holding"
    deployment.refresh_from_db()
    assert deployment.stages.get(index=0).state == "holding"
    hold = deployment.events.get(action="hold")
    assert "No data is not a pass" in hold.reason and "No error-rate data" in hold.reason
    # Still holding at the next beat: the push provider waits for a sample.
    assert engine.rollout_tick(deployment_id=deployment.pk, at=later(3)) == "holding"
    engine.metrics_push(deployment=deployment, error_rate=0.001, p99_ms=100, healthy=True)
    deployment.refresh_from_db()
    assert deployment.state == "running" and deployment.current_stage == 1


def test_partial_data_holds(fast_canary, users, webhook_env):
    deployment = start(fast_canary, users)
    run_pending()
    engine.metrics_push(deployment=deployment, error_rate=0.001)
    assert engine.rollout_tick(deployment_id=deployment.pk, at=later(2)) == "holding"


def test_pause_resume_promote_rollback(fast_canary, users, webhook_env):
    manager = users["manager"]
    deployment = start(fast_canary, users)
    run_pending()
    controls.deployment_pause(deployment=deployment, by=manager, reason="Looking at a dashboard")
    engine.metrics_push(deployment=deployment, error_rate=0.001, p99_ms=100, healthy=True)
    # Paused: a due stage does not advance.
    assert engine.rollout_tick(deployment_id=deployment.pk, at=later(5)) == "paused"
    with pytest.raises(ProcessError, match="cannot be paused"):
        controls.deployment_pause(deployment=deployment, by=manager)
    controls.deployment_resume(deployment=deployment, by=manager)
    assert OutboxMessage.objects.filter(task_name="deployments.tasks.advance_rollout", published_at__isnull=True).exists()
    deployment.refresh_from_db()
    assert deployment.state == "running"
    with pytest.raises(ProcessError, match="needs a reason"):
        controls.deployment_promote(deployment=deployment, by=manager, reason=" ")
    controls.deployment_promote(deployment=deployment, by=manager, reason="Metrics clean for a day in staging")
    run_pending("deployments.tasks.apply_traffic_shift")
    deployment.refresh_from_db()
    assert (deployment.current_stage, deployment.traffic_percent) == (1, 50)
    assert deployment.stages.get(index=0).state == "promoted"
    promote = deployment.events.get(action="promote")
    assert promote.actor == manager and promote.reason == "Metrics clean for a day in staging"
    controls.deployment_rollback(deployment=deployment, by=manager, reason="Customer complaints")
    run_pending()
    deployment.refresh_from_db()
    assert deployment.state == "rolled_back" and deployment.traffic_percent == 0
    assert deployment.halt_reason == "Customer complaints"
    with pytest.raises(ProcessError):
        controls.deployment_resume(deployment=deployment, by=manager)


def test_only_managers_control(fast_canary, users):
    from django.core.exceptions import PermissionDenied

    deployment = start(fast_canary, users)
    with pytest.raises(PermissionDenied):
        controls.deployment_pause(deployment=deployment, by=users["oncall"])
    deployment.refresh_from_db()
    assert deployment.state == "running"


def test_a_stage_that_comes_due_after_a_worker_restart_is_picked_up_by_the_beat(fast_canary, users, webhook_env):
    deployment = start(fast_canary, users)
    run_pending()
    engine.metrics_push(deployment=deployment, error_rate=0.001, p99_ms=100, healthy=True)
    # The worker died with the countdown message: it is lost.
    OutboxMessage.objects.filter(task_name="deployments.tasks.advance_rollout").delete()
    stage = deployment.stages.get(index=0)
    stage.due_at = timezone.now() - timedelta(seconds=1)  # came due while nobody ran
    stage.save()
    assert selectors.due_deployment_ids() == [deployment.pk]
    assert tasks.advance_due_rollouts() == 1
    deployment.refresh_from_db()
    assert deployment.current_stage == 1
    # Idempotent: running the beat or a stale countdown again changes nothing.
    tasks.advance_due_rollouts()
    tasks.advance_rollout(deployment.pk)
    deployment.refresh_from_db()
    assert deployment.current_stage == 1 and deployment.stages.get(index=1).state == "shifting"


def test_a_zero_percent_blue_green_health_stage_needs_no_shift(service, users):
    StagePlanOverride.objects.create(service=service, environment="production", strategy="blue_green",
                                     stages=[{"traffic_percent": 0, "monitor_minutes": 1}, {"traffic_percent": 100, "monitor_minutes": 1}])
    deployment = start(service, users, strategy="blue_green")
    first = deployment.stages.get(index=0)
    assert first.state == "monitoring" and first.gates == ["health"]
    engine.metrics_push(deployment=deployment, healthy=True)
    engine.rollout_tick(deployment_id=deployment.pk, at=later(2))
    deployment.refresh_from_db()
    assert deployment.current_stage == 1
    assert TrafficShift.objects.get().to_percent == 100


def test_router_failure_fails_the_rollout(fast_canary, users, webhook_env, monkeypatch):
    from deployments.routers import RouterError

    def broken(self, **kw):
        raise RouterError("HTTP 502")

    monkeypatch.setattr("deployments.routers.WebhookRouter.apply", broken)
    deployment = start(fast_canary, users)
    shift = TrafficShift.objects.get()
    with pytest.raises(RouterError):
        traffic.traffic_shift_apply(shift_id=shift.pk)
    assert traffic.traffic_shift_apply(shift_id=shift.pk, final_attempt=True) == "failed"
    deployment.refresh_from_db()
    assert deployment.state == "failed" and "HTTP 502" in deployment.halt_reason


def test_an_unreachable_prometheus_is_no_data_and_the_rollout_holds(fast_canary, users, monkeypatch):
    from deployments.providers import ProviderError

    def down(self, *, deployment):
        raise ProviderError("Prometheus unreachable: connection refused")

    monkeypatch.setattr("deployments.providers.PrometheusProvider.fetch", down)
    monkeypatch.setattr("deployments.routers.WebhookRouter.apply", lambda self, **kw: "ok")
    EnvironmentConfig.objects.create(environment="production", router_kind="webhook", router_settings={"url": "http://x"},
                                     metrics_provider="prometheus", metrics_settings={"url": "http://p"}, check_interval_seconds=1)
    deployment = start(fast_canary, users)
    run_pending()
    assert selectors.due_deployment_ids(at=later(2)) == [deployment.pk]
    assert engine.rollout_tick(deployment_id=deployment.pk, at=later(2)) == "holding"
    deployment.refresh_from_db()
    assert all(sample.error_rate is None for sample in deployment.samples.all())
    assert deployment.events.filter(action="hold").exists()
    from delivery_portal.models import Notification

    assert Notification.objects.filter(event="deployment.holding", recipient=users["manager"]).exists()


def test_holding_is_said_on_the_page(fast_canary, users, client_for):
    deployment = start(fast_canary, users)
    traffic.traffic_shift_confirm(deployment=deployment, by=users["manager"])
    engine.rollout_tick(deployment_id=deployment.pk, at=later(2))
    page = client_for("viewer").get(f"/deployments/{deployment.pk}/").content.decode()
    assert "Holding: no data is not a pass." in page and "No error-rate data." in page


def test_a_paused_rollout_finishes_its_last_zero_minute_stage_after_resume(fast_canary, users, webhook_env):
    manager = users["manager"]
    deployment = start(fast_canary, users)
    run_pending()
    controls.deployment_promote(deployment=deployment, by=manager, reason="skip")
    controls.deployment_pause(deployment=deployment, by=manager)
    run_pending()  # 100% shift applies while paused; the zero-minute stage waits
    deployment.refresh_from_db()
    assert deployment.state == "paused" and deployment.traffic_percent == 50
    controls.deployment_promote(deployment=deployment, by=manager, reason="go")
    run_pending()
    deployment.refresh_from_db()
    assert (deployment.state, deployment.traffic_percent) == ("succeeded", 100)
