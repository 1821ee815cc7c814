"""Every state change of a deployment: starting (gated), recording, the rollout engine
(traffic shifts, metric samples, stage ends) and the manager's controls.

Rules come from domain.py; this module reads the facts, applies the decision atomically,
writes an event row for who did what, and enqueues the timed work through the outbox.
Stages advance on time in Celery: `advance_rollout` with a countdown when a stage starts,
and the beat task `advance_due_rollouts`, which finds in the database whatever is due
(so a worker restart or a lost message only delays a stage by one beat period).
"""

import logging
import math
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from delivery_portal import roles
from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify
from delivery_portal.outbox import enqueue

from . import domain
from .models import (
    Deployment,
    DeploymentCommit,
    DeploymentEvent,
    DeploymentState,
    EnvironmentConfig,
    GateEvaluation,
    MetricSample,
    STRATEGY_NOT_REPORTED,
    RolloutStage,
    StagePlanOverride,
    StageState,
    TrafficShift,
)
from .providers import ProviderError, get_provider
from .routers import RouterError, get_router

log = logging.getLogger(__name__)

STRATEGIES = ("canary", "blue_green", "rolling", "big_bang")
ADVANCE_TASK = "deployments.tasks.advance_rollout"
SHIFT_TASK = "deployments.tasks.apply_traffic_shift"
OPEN_STAGE_STATES = (StageState.MONITORING, StageState.HOLDING)


# --- Configuration and plans ------------------------------------------------------------
def environment_name(environment: str | None) -> str:
    """The canonical name every deployment is written with (domain.canonical_environment);
    an empty one is refused."""
    name = domain.canonical_environment(environment)
    if not name:
        raise ProcessError("A deployment needs an environment.", ["A deployment needs an environment."])
    return name


def environment_config(environment: str) -> EnvironmentConfig:
    """The environment's router and metrics provider; manual + push when not configured."""
    environment = domain.canonical_environment(environment)
    config = EnvironmentConfig.objects.filter(environment=environment).first()
    return config or EnvironmentConfig(environment=environment)


def plan_for(*, service, environment: str, strategy: str) -> list[domain.StageSpec]:
    environment = domain.canonical_environment(environment)
    override = StagePlanOverride.objects.filter(service=service, environment=environment, strategy=strategy).first()
    stages = override.stages if override and not domain.validate_stage_list(override.stages) else None
    return domain.build_plan(strategy, stages)


def _frozen(service, at) -> bool:
    from sla.selectors import freezes_in_force

    now = timezone.now()
    if service.freeze_active and at >= now - timedelta(minutes=5):
        return True
    return freezes_in_force(at=at, service_ids=[service.pk]).exists()


def start_facts(*, service, environment, strategy, critical=False, reason="", change=None, release=None, at=None):
    from changes.models import ChangeType
    from changes.selectors.gates import change_deploy_blockers
    from releases.selectors import release_recommendation
    from sla.models import MaintenanceWindow

    at = at or timezone.now()
    return domain.StartFacts(
        service=service.slug,
        environment=environment,
        strategy=strategy,
        critical=bool(critical),
        reason=reason or "",
        freeze_active=_frozen(service, at),
        change_reference=change.reference if change else None,
        change_is_emergency=bool(change and change.change_type == ChangeType.EMERGENCY),
        change_blockers=tuple(change_deploy_blockers(change, at=at)) if change else (),
        release_version=release.version if release else None,
        release_recommendation=release_recommendation(release, at=at) if release else None,
        in_maintenance_window=MaintenanceWindow.objects.filter(
            service=service, starts_at__lte=at, ends_at__gte=at
        ).exists(),
    )


def start_gate_reasons(**kwargs) -> list[str]:
    return domain.start_gate_reasons(start_facts(**kwargs))


def plan_preview(*, service, environment="production", version="", strategy="canary", change=None, release=None,
                 critical=False, reason="", at=None) -> dict:
    """What a rollout would do and whether the start gates would let it, without starting."""
    environment = environment_name(environment)
    plan = plan_for(service=service, environment=environment, strategy=strategy)
    config = environment_config(environment)
    reasons = start_gate_reasons(service=service, environment=environment, strategy=strategy, critical=critical,
                                 reason=reason or "", change=change, release=release, at=at)
    return {
        "service": service.slug, "environment": environment, "version": version, "strategy": strategy,
        "router": config.router_kind, "metrics": config.metrics_provider,
        "stages": [{"name": s.name, "traffic_percent": s.traffic_percent, "monitor_minutes": s.monitor_minutes,
                    "gates": list(s.gates)} for s in plan],
        "total_minutes": domain.plan_duration(plan).total_seconds() / 60,
        "gates": [
            f"error rate < {domain.MAX_ERROR_RATE:.0%}", f"P99 < {service.p99_threshold_ms} ms", "health checks passing",
        ],
        "reasons": reasons,
        "would_start": not reasons,
    }


# --- Events -------------------------------------------------------------------------------
def _event(deployment, action, *, at, actor=None, from_state="", reason="", details=None, stage=None):
    return DeploymentEvent.objects.create(
        deployment=deployment,
        at=at,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=deployment.state,
        traffic_percent=deployment.traffic_percent,
        stage_index=stage.index if stage is not None else deployment.current_stage,
        reason=reason,
        details=details or {},
    )


def _move(deployment, action):
    try:
        deployment.state = domain.transition(deployment.state, action)
    except domain.TransitionError as exc:
        raise ProcessError(str(exc), [str(exc)]) from None


def _require_manager(user):
    if user is not None and not roles.has_role(user, roles.DELIVERY_MANAGER):
        raise PermissionDenied("Only delivery managers start and control deployments.")


def _add_commits(deployment, commits):
    seen = set()
    for commit in commits or ():
        sha = commit["sha"]
        if sha in seen:
            continue
        seen.add(sha)
        DeploymentCommit.objects.create(deployment=deployment, sha=sha, authored_at=commit["authored_at"])


# --- Starting and recording ------------------------------------------------------------
@transaction.atomic
def deployment_request(
    *, service, environment="production", version, strategy="canary", commits=(), change=None, release=None,
    critical=False, reason="", by=None, at=None, origin="",
) -> Deployment:
    """Ask for a coordinated rollout. The start gates decide first.

    Returns the deployment: `running` (its first stage entered) or `refused` with every
    reason in `refusal_reasons` (the refusal is recorded; callers answer 409 for it).
    `origin` says where a request without a portal user came from (deploy.py in local mode
    records the operating-system user and host), kept in the first event's details.
    """
    _require_manager(by)
    at = at or timezone.now()
    environment = environment_name(environment)
    if strategy not in STRATEGIES:
        raise ProcessError(f"Unknown strategy {strategy}.", [f"Unknown strategy {strategy}."])
    reasons = start_gate_reasons(
        service=service, environment=environment, strategy=strategy, critical=critical, reason=reason,
        change=change, release=release, at=at,
    )
    deployment = Deployment.objects.create(
        service=service, environment=environment, version=version, strategy=strategy, change=change,
        release=release, critical=bool(critical), reason=reason or "", requested_by=by,
        state=DeploymentState.REFUSED if reasons else DeploymentState.RUNNING,
        refusal_reasons=reasons, started_at=None if reasons else at, finished_at=at if reasons else None,
    )
    _add_commits(deployment, commits)
    origin_details = {"origin": origin} if origin else {}
    if reasons:
        _event(deployment, "refuse", at=at, actor=by, reason="; ".join(reasons), details={"reasons": reasons, **origin_details})
        return deployment
    plan = plan_for(service=service, environment=environment, strategy=strategy)
    RolloutStage.objects.bulk_create(
        RolloutStage(
            deployment=deployment, index=i, name=spec.name, traffic_percent=spec.traffic_percent,
            monitor_minutes=spec.monitor_minutes, gates=list(spec.gates),
        )
        for i, spec in enumerate(plan)
    )
    config = environment_config(environment)
    _event(
        deployment, "start", at=at, actor=by, reason=reason or "",
        details={"plan": [[s.traffic_percent, s.monitor_minutes] for s in plan], "router": config.router_kind,
                 "metrics": config.metrics_provider, **origin_details},
    )
    _enter_stage(deployment, deployment.stages.get(index=0), at=at, actor=by, config=config)
    return deployment


@transaction.atomic
def deployment_record(
    *, service, environment="production", version, strategy=STRATEGY_NOT_REPORTED, status, commits=(), change=None,
    release=None, critical=False, reason="", started_at=None, finished_at=None, by=None,
) -> Deployment:
    """Record a deployment a pipeline already did (for DORA). Never refused; flagged when
    it was made against a gate at the time it started. Without a strategy it is stored as
    not reported ("unknown"), never assumed."""
    if status not in (DeploymentState.SUCCEEDED, DeploymentState.FAILED, DeploymentState.ROLLED_BACK):
        raise ProcessError("A recorded deployment is succeeded, failed or rolled back.", [f"Unknown status {status}."])
    environment = environment_name(environment)
    finished_at = finished_at or timezone.now()
    started_at = started_at or finished_at
    violations = start_gate_reasons(
        service=service, environment=environment, strategy=strategy, critical=critical, reason=reason,
        change=change, release=release, at=started_at,
    )
    deployment = Deployment.objects.create(
        service=service, environment=environment, version=version, strategy=strategy, change=change,
        release=release, critical=bool(critical), reason=reason or "", requested_by=by, state=status,
        recorded=True, flagged=bool(violations), gate_violations=violations,
        traffic_percent=100 if status == DeploymentState.SUCCEEDED else 0,
        started_at=started_at, finished_at=finished_at,
    )
    _add_commits(deployment, commits)
    _event(deployment, "record", at=finished_at, actor=by, details={"violations": violations})
    return deployment


# --- Traffic shifts -----------------------------------------------------------------------
def _enter_stage(deployment, stage, *, at, actor=None, config=None):
    config = config or environment_config(deployment.environment)
    deployment.current_stage = stage.index
    stage.state = StageState.SHIFTING
    stage.save(update_fields=["state"])
    deployment.save()
    if stage.traffic_percent == deployment.traffic_percent:
        _shift_done(deployment, None, stage=stage, at=at, actor=actor)
        return
    shift = TrafficShift.objects.create(
        deployment=deployment, stage=stage, from_percent=deployment.traffic_percent,
        to_percent=stage.traffic_percent, router_kind=config.router_kind,
    )
    _event(deployment, "shift_requested", at=at, actor=actor, stage=stage,
           details={"from": shift.from_percent, "to": shift.to_percent, "router": config.router_kind})
    if get_router(config.router_kind).automatic:
        enqueue(SHIFT_TASK, shift_id=shift.pk)


def _shift_done(deployment, shift, *, stage, at, actor=None):
    """Traffic has moved: monitoring of the stage begins (or, for a rollback, it is over)."""
    if shift is not None:
        shift.state = TrafficShift.State.APPLIED
        shift.applied_at = at
        shift.applied_by = actor
        shift.save(update_fields=["state", "applied_at", "applied_by"])
        deployment.traffic_percent = shift.to_percent
        deployment.save(update_fields=["traffic_percent"])
        _event(deployment, "traffic_restored" if shift.is_rollback else "traffic_shifted", at=at, actor=actor,
               stage=stage, details={"from": shift.from_percent, "to": shift.to_percent, "router": shift.router_kind})
    if shift is not None and shift.is_rollback:
        return
    stage.state = StageState.MONITORING
    stage.started_at = at
    stage.due_at = domain.stage_due_at(at, stage.monitor_minutes)
    stage.save(update_fields=["state", "started_at", "due_at"])
    if stage.monitor_minutes <= 0:
        # Nothing to watch: the stage passes as soon as its traffic has moved.
        if deployment.state == DeploymentState.RUNNING:
            _advance(deployment, stage, at=at, actor=None, action="advance")
        return
    enqueue(ADVANCE_TASK, countdown=math.ceil(stage.monitor_minutes * 60), deployment_id=deployment.pk)


def traffic_shift_apply(*, shift_id: int, final_attempt: bool = False) -> str:
    """Run the router for a pending automatic shift (called by the task, which retries).

    The router's I/O happens outside any transaction; the result is applied under a row
    lock, and only if the shift is still pending (idempotent).
    """
    shift = TrafficShift.objects.select_related("deployment__service", "stage").filter(pk=shift_id).first()
    if shift is None or shift.state != TrafficShift.State.PENDING:
        return "gone"
    config = environment_config(shift.deployment.environment)
    router = get_router(shift.router_kind, config.router_settings)
    try:
        router.apply(deployment=shift.deployment, to_percent=shift.to_percent, stage=shift.stage, rollback=shift.is_rollback)
    except RouterError as exc:
        TrafficShift.objects.filter(pk=shift.pk).update(attempts=shift.attempts + 1, error=str(exc)[:1000])
        if final_attempt:
            traffic_shift_failed(shift_id=shift.pk, error=str(exc))
            return "failed"
        raise
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update(of=("self",)).get(pk=shift.deployment_id)
        shift = TrafficShift.objects.select_for_update(of=("self",)).get(pk=shift.pk)
        if shift.state != TrafficShift.State.PENDING:
            return "gone"
        TrafficShift.objects.filter(pk=shift.pk).update(attempts=shift.attempts + 1)
        _shift_done(deployment, shift, stage=shift.stage, at=timezone.now())
    return "applied"


@transaction.atomic
def traffic_shift_failed(*, shift_id: int, error: str):
    shift = TrafficShift.objects.select_for_update(of=("self",)).filter(pk=shift_id).first()
    if shift is None or shift.state != TrafficShift.State.PENDING:
        return
    shift.state = TrafficShift.State.FAILED
    shift.error = error[:1000]
    shift.save(update_fields=["state", "error"])
    deployment = Deployment.objects.select_for_update(of=("self",)).get(pk=shift.deployment_id)
    at = timezone.now()
    if shift.is_rollback:
        _event(deployment, "rollback_shift_failed", at=at, reason=error, details={"to": shift.to_percent})
        _tell(deployment, "deployment.rollback_failed",
              f"Traffic of {deployment} could not be moved back: {error}. Move it by hand.")
        return
    if deployment.state in domain.ACTIVE:
        _halt(deployment, action="fail", reason=f"The {shift.router_kind} router could not move traffic: {error}", at=at)


@transaction.atomic
def traffic_shift_confirm(*, deployment, by, at=None) -> TrafficShift:
    """A person confirms that they moved the traffic (manual router)."""
    _require_manager(by)
    at = at or timezone.now()
    deployment = Deployment.objects.select_for_update(of=("self",)).get(pk=deployment.pk)
    shift = deployment.shifts.select_related("stage").filter(state=TrafficShift.State.PENDING).order_by("-pk").first()
    if shift is None:
        raise ProcessError("No traffic shift is waiting for confirmation.", ["No traffic shift is waiting for confirmation."])
    _shift_done(deployment, shift, stage=shift.stage, at=at, actor=by)
    return shift


# --- Gates and stage ends -----------------------------------------------------------------
def _evaluate(deployment, stage, metrics, *, at, trigger, gates=None):
    result = domain.evaluate_gates(
        metrics, p99_threshold_ms=deployment.service.p99_threshold_ms,
        gates=tuple(gates if gates is not None else (stage.gates if stage else domain.ALL_GATES)),
    )
    metrics = metrics or domain.Metrics()
    GateEvaluation.objects.create(
        deployment=deployment, stage=stage, at=at, trigger=trigger, decision=result.decision,
        error_rate=None if domain._missing(metrics.error_rate) else metrics.error_rate,
        p99_ms=None if domain._missing(metrics.p99_ms) else metrics.p99_ms,
        healthy=metrics.healthy, max_error_rate=domain.MAX_ERROR_RATE,
        p99_threshold_ms=deployment.service.p99_threshold_ms,
        checks=[{"gate": c.gate, "value": c.value, "threshold": c.threshold, "passed": c.passed, "message": c.message}
                for c in result.checks],
        reasons=result.reasons,
    )
    return result


def _current_stage(deployment):
    if deployment.current_stage is None:
        return None
    return deployment.stages.filter(index=deployment.current_stage).first()


def _stage_end(deployment, stage, *, at):
    """At or after the stage's due time: pass -> next stage; no data -> hold; breach -> halt."""
    if stage.monitor_minutes <= 0:
        _advance(deployment, stage, at=at, action="advance")  # nothing to watch
        return None
    samples = [
        domain.Metrics(s.error_rate, s.p99_ms, s.healthy)
        for s in deployment.samples.filter(stage=stage, at__gte=stage.started_at)
    ]
    result = _evaluate(deployment, stage, domain.worst_of(samples), at=at, trigger="stage_end")
    if result.decision == "breach":
        _halt(deployment, action="breach", reason=" ".join(result.reasons), at=at, stage=stage)
    elif result.decision == "no_data":
        if deployment.state != DeploymentState.HOLDING:
            from_state = deployment.state
            _move(deployment, "hold")
            deployment.save(update_fields=["state"])
            stage.state = StageState.HOLDING
            stage.save(update_fields=["state"])
            why = "No data is not a pass: " + " ".join(result.reasons)
            _event(deployment, "hold", at=at, from_state=from_state, stage=stage, reason=why)
            _tell(deployment, "deployment.holding", f"{deployment} is holding at {deployment.traffic_percent}%. {why}")
    else:
        _advance(deployment, stage, at=at, action="advance")
    return result


def _advance(deployment, stage, *, at, actor=None, action="advance", reason=""):
    stage.state = StageState.PROMOTED if action == "promote" else StageState.PASSED
    stage.finished_at = at
    stage.save(update_fields=["state", "finished_at"])
    following = deployment.stages.filter(index__gt=stage.index).order_by("index").first()
    from_state = deployment.state
    if following is None:
        _move(deployment, "complete" if action != "promote" else "promote")
        deployment.state = DeploymentState.SUCCEEDED
        deployment.current_stage = None
        deployment.finished_at = at
        deployment.save()
        if deployment.strategy == "blue_green" and not reason:
            reason = "The old colour may now be retired."
        _event(deployment, action if action == "promote" else "complete", at=at, actor=actor, from_state=from_state,
               reason=reason, stage=stage)
        _tell(deployment, "deployment.succeeded", f"{deployment} completed: 100% of the traffic on {deployment.version}.")
        return
    _move(deployment, action)
    deployment.save(update_fields=["state"])
    _event(deployment, action, at=at, actor=actor, from_state=from_state, reason=reason, stage=stage,
           details={"next_stage": following.index, "next_percent": following.traffic_percent})
    _enter_stage(deployment, following, at=at, actor=actor)


def _halt(deployment, *, action, reason, at, actor=None, stage=None):
    """Stop the rollout and send the traffic back to the old version at once."""
    from_state = deployment.state
    _move(deployment, action)
    stage = stage or _current_stage(deployment)
    if stage is not None:
        stage.state = StageState.BREACHED if action == "breach" else StageState.ROLLED_BACK
        stage.finished_at = at
        stage.save(update_fields=["state", "finished_at"])
    deployment.stages.filter(state__in=(StageState.PENDING,)).update(state=StageState.SKIPPED)
    deployment.halt_reason = reason
    deployment.finished_at = at
    deployment.current_stage = None
    deployment.save()
    deployment.shifts.filter(state=TrafficShift.State.PENDING).update(state=TrafficShift.State.SUPERSEDED)
    _event(deployment, "rollback" if action == "rollback" else action, at=at, actor=actor, from_state=from_state,
           reason=reason, stage=stage)
    if deployment.traffic_percent > 0:
        config = environment_config(deployment.environment)
        shift = TrafficShift.objects.create(
            deployment=deployment, stage=None, from_percent=deployment.traffic_percent, to_percent=0,
            router_kind=config.router_kind, is_rollback=True,
        )
        if get_router(config.router_kind).automatic:
            enqueue(SHIFT_TASK, shift_id=shift.pk)
    words = {"breach": "was halted by a gate and rolled back", "rollback": "was rolled back", "fail": "failed"}
    _tell(deployment, f"deployment.{deployment.state}", f"{deployment} {words.get(action, action)}: {reason}")


def _tell(deployment, event, subject):
    team = deployment.service.team
    notify(
        event=event, subject=subject, body=deployment.halt_reason or subject,
        users=[deployment.requested_by] if deployment.requested_by else [],
        emails=[team.email] if team and team.email else [],
        webhook_urls=[team.webhook_url] if team and team.webhook_url else [],
        url=reverse("deployments:detail", args=[deployment.pk]),
        payload={"deployment": deployment.pk, "service": deployment.service.slug, "version": deployment.version,
                 "environment": deployment.environment, "state": deployment.state},
    )


# --- The engine's step --------------------------------------------------------------------
def rollout_tick(*, deployment_id: int, at=None) -> str | None:
    """One step of the engine for one deployment (tasks call it; idempotent).

    Pulls metrics when the environment's provider pulls them (outside the transaction),
    records them, halts on a breach, and ends the current stage when it is due.
    """
    deployment = Deployment.objects.select_related("service").filter(pk=deployment_id).first()
    if deployment is None or deployment.state not in domain.ACTIVE:
        return deployment.state if deployment else None
    config = environment_config(deployment.environment)
    provider = get_provider(config.metrics_provider, config.metrics_settings)
    pulled, problem = None, ""
    if provider.pulls:
        try:
            pulled = provider.fetch(deployment=deployment) or domain.Metrics()
        except ProviderError as exc:
            pulled, problem = domain.Metrics(), str(exc)
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update(of=("self",)).select_related("service__team").get(pk=deployment_id)
        if deployment.state not in domain.ACTIVE:
            return deployment.state
        at = at or timezone.now()
        stage = _current_stage(deployment)
        if stage is None or stage.state not in OPEN_STAGE_STATES:
            return deployment.state  # traffic still moving: nothing to judge yet
        if pulled is not None:
            deployment.last_checked_at = at
            deployment.save(update_fields=["last_checked_at"])
            if _sample(deployment, stage, pulled, at=at, source="prometheus", note=problem):
                return deployment.state
        if deployment.state in (DeploymentState.RUNNING, DeploymentState.HOLDING) and stage.due_at and stage.due_at <= at:
            if deployment.state == DeploymentState.HOLDING and pulled is None:
                return deployment.state  # push provider: only a new sample can end a hold
            _stage_end(deployment, stage, at=at)
        return deployment.state


def _sample(deployment, stage, metrics, *, at, source, note="") -> bool:
    """Record one sample and judge it alone. True if it halted the rollout."""
    MetricSample.objects.create(
        deployment=deployment, stage=stage, at=at, source=source,
        error_rate=None if domain._missing(metrics.error_rate) else metrics.error_rate,
        p99_ms=None if domain._missing(metrics.p99_ms) else metrics.p99_ms, healthy=metrics.healthy,
    )
    result = _evaluate(deployment, stage, metrics, at=at, trigger=source)
    if result.decision == "breach":
        _halt(deployment, action="breach", reason=" ".join(result.reasons), at=at, stage=stage)
        return True
    if note:
        log.warning("deployment %s: %s", deployment.pk, note)
    return False


@transaction.atomic
def metrics_push(*, deployment, at=None, error_rate=None, p99_ms=None, healthy=None, by=None):
    """Values pushed by monitoring or a pipeline. A breach halts and rolls back at once;
    during a hold, data that passes ends the stage."""
    deployment = Deployment.objects.select_for_update(of=("self",)).select_related("service__team").get(pk=deployment.pk)
    if deployment.state not in domain.ACTIVE:
        detail = f"Deployment {deployment.pk} is {deployment.get_state_display().lower()}; it takes no metrics."
        raise ProcessError(detail, [detail])
    at = at or timezone.now()
    stage = _current_stage(deployment)
    metrics = domain.Metrics(error_rate, p99_ms, healthy)
    if stage is None or stage.state not in OPEN_STAGE_STATES:
        # Traffic not moved yet: a breach still counts (the new version is deployed).
        if _sample(deployment, stage, metrics, at=at, source="push"):
            return deployment
        return deployment
    if _sample(deployment, stage, metrics, at=at, source="push"):
        return deployment
    if deployment.state == DeploymentState.HOLDING or (
        deployment.state == DeploymentState.RUNNING and stage.due_at and stage.due_at <= timezone.now()
    ):
        _stage_end(deployment, stage, at=max(at, stage.due_at) if stage.due_at else at)
    return deployment


def due_deployment_ids(*, at=None) -> list[int]:
    """Active rollouts whose stage is due, or whose pulled metrics are due for a check."""
    at = at or timezone.now()
    due = set(
        RolloutStage.objects.filter(
            state__in=OPEN_STAGE_STATES, due_at__lte=at,
            deployment__state__in=(DeploymentState.RUNNING, DeploymentState.HOLDING),
        ).values_list("deployment_id", flat=True)
    )
    for config in EnvironmentConfig.objects.exclude(metrics_provider="push"):
        cutoff = at - timedelta(seconds=config.check_interval_seconds)
        due.update(
            Deployment.objects.filter(environment=config.environment, state__in=domain.ACTIVE)
            .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=cutoff))
            .values_list("pk", flat=True)
        )
    return sorted(due)


def stuck_shift_ids(*, at=None, older_than_seconds=120) -> list[int]:
    """Automatic shifts still pending long after they were asked for (a lost message)."""
    at = at or timezone.now()
    return list(
        TrafficShift.objects.filter(
            state=TrafficShift.State.PENDING, attempts=0, created_at__lte=at - timedelta(seconds=older_than_seconds)
        ).exclude(router_kind="manual").values_list("pk", flat=True)
    )


# --- A manager's controls -------------------------------------------------------------------
def _locked(deployment):
    return Deployment.objects.select_for_update(of=("self",)).select_related("service__team").get(pk=deployment.pk)


@transaction.atomic
def deployment_pause(*, deployment, by, reason="", at=None) -> Deployment:
    _require_manager(by)
    deployment, at = _locked(deployment), at or timezone.now()
    from_state = deployment.state
    _move(deployment, "pause")
    deployment.save(update_fields=["state"])
    _event(deployment, "pause", at=at, actor=by, from_state=from_state, reason=reason)
    return deployment


@transaction.atomic
def deployment_resume(*, deployment, by, reason="", at=None) -> Deployment:
    _require_manager(by)
    deployment, at = _locked(deployment), at or timezone.now()
    from_state = deployment.state
    _move(deployment, "resume")
    deployment.save(update_fields=["state"])
    _event(deployment, "resume", at=at, actor=by, from_state=from_state, reason=reason)
    stage = _current_stage(deployment)
    if stage is not None and stage.state in OPEN_STAGE_STATES:
        if stage.state == StageState.HOLDING:
            stage.state = StageState.MONITORING
            stage.save(update_fields=["state"])
        countdown = max(0, math.ceil((stage.due_at - at).total_seconds())) if stage.due_at else 0
        enqueue(ADVANCE_TASK, countdown=countdown, deployment_id=deployment.pk)
    return deployment


@transaction.atomic
def deployment_promote(*, deployment, by, reason, at=None) -> Deployment:
    """Skip the rest of the current stage's monitoring (recorded with the reason)."""
    _require_manager(by)
    if not (reason or "").strip():
        raise ProcessError("Promoting early needs a reason.", ["Promoting early needs a reason."])
    deployment, at = _locked(deployment), at or timezone.now()
    if (deployment.state, "promote") not in domain.TRANSITIONS:
        _move(deployment, "promote")  # raises ProcessError saying why
    stage = _current_stage(deployment)
    if stage is None:
        raise ProcessError("There is no stage to promote.", ["There is no stage to promote."])
    deployment.shifts.filter(state=TrafficShift.State.PENDING).update(state=TrafficShift.State.SUPERSEDED)
    _advance(deployment, stage, at=at, actor=by, action="promote", reason=reason.strip())
    return deployment


@transaction.atomic
def deployment_rollback(*, deployment, by, reason="", at=None) -> Deployment:
    _require_manager(by)
    deployment, at = _locked(deployment), at or timezone.now()
    _halt(deployment, action="rollback", reason=(reason or "").strip() or f"Rolled back by {by}.", at=at, actor=by)
    return deployment
