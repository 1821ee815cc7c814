"""Reads of deployments for pages, the API, the dashboard, other apps and the services:
lists and details, a rollout's configuration and plan, what the start gates would decide,
and what the engine has due."""

from datetime import timedelta

from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone

from delivery_portal.errors import ProcessError
from delivery_portal.strategy_guide import Strategy, recommend_for_service
from releases.models import Dependency
from releases.selectors import release_by_version
from sla.models import Service

from . import domain
from .models import (
    ACTIVE_STATES,
    OPEN_STAGE_STATES,
    Deployment,
    DeploymentEvent,
    DeploymentState,
    EnvironmentConfig,
    GateEvaluation,
    RolloutStage,
    StagePlanOverride,
    TrafficShift,
)


def active_deployments():
    """Rollouts in progress (running, paused, holding), oldest first, with their service
    and stages: for the dashboard."""
    return (
        Deployment.objects.filter(state__in=ACTIVE_STATES)
        .select_related("service")
        .prefetch_related(Prefetch("stages", queryset=RolloutStage.objects.order_by("index")))
        .order_by("started_at", "pk")
    )


def deployment_list():
    """Every deployment, active rollouts first, then the rest newest first (filtered by
    deployments.filtersets.DeploymentFilterSet for the page, its export and the API)."""
    qs = Deployment.objects.select_related("service", "change", "release", "requested_by").annotate(
        active_rank=Case(When(state__in=ACTIVE_STATES, then=Value(0)), default=Value(1), output_field=IntegerField())
    )
    return qs.prefetch_related("commits", Prefetch("stages", queryset=RolloutStage.objects.order_by("index"))).order_by(
        "active_rank", "-created_at", "-pk"
    )


def deployments_with_detail():
    return Deployment.objects.select_related("service__team", "change", "release", "requested_by").prefetch_related(
        "commits",
        Prefetch("stages", queryset=RolloutStage.objects.order_by("index")),
        Prefetch("evaluations", queryset=GateEvaluation.objects.select_related("stage").order_by("at", "pk")),
        Prefetch("events", queryset=DeploymentEvent.objects.select_related("actor").order_by("at", "pk")),
        Prefetch("shifts", queryset=TrafficShift.objects.select_related("stage", "applied_by").order_by("pk")),
    )


def pending_manual_shift(deployment):
    shifts = [s for s in deployment.shifts.all() if s.state == TrafficShift.State.PENDING and s.router_kind == "manual"]
    return shifts[-1] if shifts else None


def strategy_recommendation(*, service_slug: str | None, release_version: str | None = None) -> dict | None:
    """The strategy guide's recommendation for deploying a service (and release, if named and
    found), for the start page; None without a known service. Up to three small queries."""
    service = Service.objects.filter(slug=(service_slug or "").strip()).first() if service_slug else None
    if service is None:
        return None
    release = release_by_version(release_version) if release_version else None  # any spelling, as the form
    migrations = bool(release) and Dependency.objects.filter(release=release, kind=Dependency.Kind.DB_MIGRATION).exists()
    recommendation = recommend_for_service(
        service=service.name, critical=service.tier == Service.Tier.CRITICAL,
        release=release.version if release else None, release_type=release.release_type if release else None,
        has_db_migrations=migrations,
    )
    return {"service": service, "release": release, "recommendation": recommendation}


# --- Configuration, plans and start gates ------------------------------------------------
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


def plan_preview(*, service, environment="production", version="", strategy=Strategy.CANARY, change=None, release=None,
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


# --- What the engine has due --------------------------------------------------------------
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
