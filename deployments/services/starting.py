"""Starting a coordinated rollout (gated) and recording one a pipeline already did."""

from django.db import transaction
from django.utils import timezone

from delivery_portal.errors import ProcessError
from delivery_portal.strategy_guide import Strategy

from ..models import STRATEGY_NOT_REPORTED, Deployment, DeploymentState, RolloutStage
from ..selectors import environment_config, environment_name, plan_for, start_gate_reasons
from .events import commits_add, event_add, require_manager
from .stages import stage_enter


@transaction.atomic
def deployment_request(
    *, service, environment="production", version, strategy=Strategy.CANARY, commits=(), change=None, release=None,
    critical=False, reason="", by=None, at=None, origin="",
) -> Deployment:
    """Ask for a coordinated rollout. The start gates decide first.

    Returns the deployment: `running` (its first stage entered) or `refused` with every
    reason in `refusal_reasons` (the refusal is recorded; callers answer 409 for it).
    `origin` says where a request without a portal user came from (deploy.py in local mode
    records the operating-system user and host), kept in the first event's details.
    """
    require_manager(by)
    at = at or timezone.now()
    environment = environment_name(environment)
    if strategy not in Strategy.values:
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
    commits_add(deployment, commits)
    origin_details = {"origin": origin} if origin else {}
    if reasons:
        event_add(deployment, "refuse", at=at, actor=by, reason="; ".join(reasons), details={"reasons": reasons, **origin_details})
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
    event_add(
        deployment, "start", at=at, actor=by, reason=reason or "",
        details={"plan": [[s.traffic_percent, s.monitor_minutes] for s in plan], "router": config.router_kind,
                 "metrics": config.metrics_provider, **origin_details},
    )
    stage_enter(deployment, deployment.stages.get(index=0), at=at, actor=by, config=config)
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
    commits_add(deployment, commits)
    event_add(deployment, "record", at=finished_at, actor=by, details={"violations": violations})
    return deployment
