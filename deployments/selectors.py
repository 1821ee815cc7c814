"""Reads of deployments for pages, the API, the dashboard and other apps."""

from django.db.models import Case, IntegerField, Prefetch, Value, When

from delivery_portal.strategy_guide import recommend_for_service
from releases.models import Dependency
from releases.selectors import release_by_version
from sla.models import Service

from .domain import canonical_environment
from .models import ACTIVE_STATES, Deployment, DeploymentEvent, GateEvaluation, RolloutStage, TrafficShift


def active_deployments():
    """Rollouts in progress (running, paused, holding), oldest first, with their service
    and stages: for the dashboard."""
    return (
        Deployment.objects.filter(state__in=ACTIVE_STATES)
        .select_related("service")
        .prefetch_related(Prefetch("stages", queryset=RolloutStage.objects.order_by("index")))
        .order_by("started_at", "pk")
    )


def deployment_list(*, service=None, environment=None, state=None):
    """Active rollouts first, then the rest newest first."""
    qs = Deployment.objects.select_related("service", "change", "release", "requested_by").annotate(
        active_rank=Case(When(state__in=ACTIVE_STATES, then=Value(0)), default=Value(1), output_field=IntegerField())
    )
    if service:
        qs = qs.filter(service__slug=service)
    if environment:
        qs = qs.filter(environment=canonical_environment(environment))
    if state:
        qs = qs.filter(state=state)
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
