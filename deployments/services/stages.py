"""A rollout's stages: entering one (asking the router to move the traffic), watching its
gates, and its end (the next stage, a hold for want of data, or a halt and rollback).

Stages advance on time in Celery: `advance_rollout` with a countdown when a stage starts,
and the beat task `advance_due_rollouts`, which finds in the database whatever is due (so a
worker restart or a lost message only delays a stage by one beat period).
"""

import math

from django.urls import reverse

from delivery_portal.notifications import notify
from delivery_portal.outbox import enqueue
from delivery_portal.strategy_guide import Strategy
from slack_integration import notify as slack_notify

from .. import domain
from ..models import DeploymentState, GateEvaluation, StageState, TrafficShift
from ..routers import get_router
from ..selectors import environment_config
from .events import event_add, state_move

ADVANCE_TASK = "deployments.tasks.advance_rollout"
SHIFT_TASK = "deployments.tasks.apply_traffic_shift"


def stage_enter(deployment, stage, *, at, actor=None, config=None):
    config = config or environment_config(deployment.environment)
    deployment.current_stage = stage.index
    stage.state = StageState.SHIFTING
    stage.save(update_fields=["state"])
    deployment.save()
    if stage.traffic_percent == deployment.traffic_percent:
        shift_done(deployment, None, stage=stage, at=at, actor=actor)
        return
    shift = TrafficShift.objects.create(
        deployment=deployment, stage=stage, from_percent=deployment.traffic_percent,
        to_percent=stage.traffic_percent, router_kind=config.router_kind,
    )
    event_add(deployment, "shift_requested", at=at, actor=actor, stage=stage,
           details={"from": shift.from_percent, "to": shift.to_percent, "router": config.router_kind})
    if get_router(config.router_kind).automatic:
        enqueue(SHIFT_TASK, shift_id=shift.pk)


def shift_done(deployment, shift, *, stage, at, actor=None):
    """Traffic has moved: monitoring of the stage begins (or, for a rollback, it is over)."""
    if shift is not None:
        shift.state = TrafficShift.State.APPLIED
        shift.applied_at = at
        shift.applied_by = actor
        shift.save(update_fields=["state", "applied_at", "applied_by"])
        deployment.traffic_percent = shift.to_percent
        deployment.save(update_fields=["traffic_percent"])
        event_add(deployment, "traffic_restored" if shift.is_rollback else "traffic_shifted", at=at, actor=actor,
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
            stage_advance(deployment, stage, at=at, actor=None, action="advance")
        return
    enqueue(ADVANCE_TASK, countdown=math.ceil(stage.monitor_minutes * 60), deployment_id=deployment.pk)


def gates_evaluate(deployment, stage, metrics, *, at, trigger, gates=None):
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


def current_stage_of(deployment):
    if deployment.current_stage is None:
        return None
    return deployment.stages.filter(index=deployment.current_stage).first()


def stage_end(deployment, stage, *, at):
    """At or after the stage's due time: pass -> next stage; no data -> hold; breach -> halt."""
    if stage.monitor_minutes <= 0:
        stage_advance(deployment, stage, at=at, action="advance")  # nothing to watch
        return None
    samples = [
        domain.Metrics(s.error_rate, s.p99_ms, s.healthy)
        for s in deployment.samples.filter(stage=stage, at__gte=stage.started_at)
    ]
    result = gates_evaluate(deployment, stage, domain.worst_of(samples), at=at, trigger="stage_end")
    if result.decision == "breach":
        rollout_halt(deployment, action="breach", reason=" ".join(result.reasons), at=at, stage=stage)
    elif result.decision == "no_data":
        if deployment.state != DeploymentState.HOLDING:
            from_state = deployment.state
            state_move(deployment, "hold")
            deployment.save(update_fields=["state"])
            stage.state = StageState.HOLDING
            stage.save(update_fields=["state"])
            why = "No data is not a pass: " + " ".join(result.reasons)
            event_add(deployment, "hold", at=at, from_state=from_state, stage=stage, reason=why)
            rollout_notify(deployment, "deployment.holding", f"{deployment} is holding at {deployment.traffic_percent}%. {why}")
    else:
        stage_advance(deployment, stage, at=at, action="advance")
    return result


def stage_advance(deployment, stage, *, at, actor=None, action="advance", reason=""):
    stage.state = StageState.PROMOTED if action == "promote" else StageState.PASSED
    stage.finished_at = at
    stage.save(update_fields=["state", "finished_at"])
    following = deployment.stages.filter(index__gt=stage.index).order_by("index").first()
    from_state = deployment.state
    if following is None:
        state_move(deployment, "complete" if action != "promote" else "promote")
        deployment.state = DeploymentState.SUCCEEDED
        deployment.current_stage = None
        deployment.finished_at = at
        deployment.save()
        if deployment.strategy == Strategy.BLUE_GREEN and not reason:
            reason = "The old colour may now be retired."
        event_add(deployment, action if action == "promote" else "complete", at=at, actor=actor, from_state=from_state,
               reason=reason, stage=stage)
        rollout_notify(deployment, "deployment.succeeded", f"{deployment} completed: 100% of the traffic on {deployment.version}.")
        return
    state_move(deployment, action)
    deployment.save(update_fields=["state"])
    event_add(deployment, action, at=at, actor=actor, from_state=from_state, reason=reason, stage=stage,
           details={"next_stage": following.index, "next_percent": following.traffic_percent})
    stage_enter(deployment, following, at=at, actor=actor)


def rollout_halt(deployment, *, action, reason, at, actor=None, stage=None):
    """Stop the rollout and send the traffic back to the old version at once."""
    from_state = deployment.state
    state_move(deployment, action)
    stage = stage or current_stage_of(deployment)
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
    event_add(deployment, "rollback" if action == "rollback" else action, at=at, actor=actor, from_state=from_state,
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
    rollout_notify(deployment, f"deployment.{deployment.state}", f"{deployment} {words.get(action, action)}: {reason}")
    slack_notify.deployment_halted(deployment)


def rollout_notify(deployment, event, subject):
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
