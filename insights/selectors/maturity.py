"""Delivery maturity: the teams' assessments, and what the portal's own data says about a team's
delivery (the questionnaire's evidence)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from deployments.domain import PRODUCTION
from deployments.models import Deployment, DeploymentEvent, DeploymentState
from incidents.models import Incident
from sla.models import Team

from ..domain.maturity import TeamDeliveryFacts, maturity_evidence
from ..models import MaturityAssessment
from .dora import DEFAULT_RANGE_DAYS, DoraScope, day_bounds, thresholds


def team_delivery_facts(*, team: Team, at: datetime | None = None, days: int = 90) -> TeamDeliveryFacts:
    """What the portal's data says about the team's services: three aggregate queries.

    Strategy and rollback evidence counts only what the portal itself saw happen in
    production: rollouts it ran (not deployments pipelines merely reported, whose strategy
    is their word, or "unknown") that succeeded with that strategy, and rollbacks its metric
    gates made (the `breach` event, which has no actor) — not a manager's rollback, nor a
    pipeline reporting `rolled_back`."""
    at = at or timezone.now()
    since = at - timedelta(days=days)
    month_ago = timezone.localdate(at) - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    month_start, month_end = day_bounds(month_ago, timezone.localdate(at))
    caused = Q(Exists(Incident.objects.filter(caused_by_deployment=OuterRef("pk"))))
    portal_run_in_production = Q(recorded=False, environment=PRODUCTION)

    def succeeded_with(*strategies):
        return portal_run_in_production & Q(strategy__in=strategies, state=DeploymentState.SUCCEEDED)

    progressive = succeeded_with("blue_green", "canary")
    gate_breached = Exists(DeploymentEvent.objects.filter(deployment=OuterRef("pk"), action="breach", actor__isnull=True))
    row = (
        Deployment.objects.filter(service__team=team, created_at__gte=since, created_at__lte=at)
        .exclude(state=DeploymentState.REFUSED)
        .order_by()
        .aggregate(
            deployments=Count("pk"),
            pipeline_deployments=Count("pk", filter=Q(recorded=True)),
            portal_deployments=Count("pk", filter=Q(recorded=False)),
            canary_deployments=Count("pk", filter=succeeded_with("canary")),
            automatic_rollbacks=Count(
                "pk", filter=portal_run_in_production & Q(state=DeploymentState.ROLLED_BACK) & Q(gate_breached)
            ),
            progressive_without_incident=Count("pk", filter=progressive & ~caused),
            progressive_with_incident=Count("pk", filter=progressive & caused),
        )
    )
    succeeded_month = Deployment.objects.filter(
        service__team=team, environment=PRODUCTION, state=DeploymentState.SUCCEEDED,
        finished_at__gte=month_start, finished_at__lt=month_end,
    ).count()
    incidents = (
        Incident.objects.filter(DoraScope(team=team).incident_q(), impact_started_at__gte=since, impact_started_at__lte=at)
        .order_by()
        .count()
    )
    return TeamDeliveryFacts(
        days=days, incidents=incidents, deploys_per_day=succeeded_month / DEFAULT_RANGE_DAYS, **row
    )


def maturity_evidence_for(*, team: Team, at: datetime | None = None) -> dict[str, str]:
    """Characteristic key -> evidence text, for what the portal's data proves about `team`."""
    return maturity_evidence(team_delivery_facts(team=team, at=at), thresholds())


def teams_with_latest_level():
    """Every team by name, with its latest assessment's pk, level, target and time (None: never
    assessed) as latest_pk, latest_level, latest_target and latest_at. One query."""
    latest = MaturityAssessment.objects.filter(team=OuterRef("pk")).order_by("-assessed_at", "-id")
    return Team.objects.annotate(
        latest_pk=Subquery(latest.values("pk")[:1]),
        latest_level=Subquery(latest.values("level")[:1]),
        latest_target=Subquery(latest.values("target_level")[:1]),
        latest_at=Subquery(latest.values("assessed_at")[:1]),
    ).order_by("name")


def team_or_404(slug: str) -> Team:
    return get_object_or_404(Team, slug=slug)


def latest_assessment(team: Team) -> MaturityAssessment | None:
    return MaturityAssessment.objects.filter(team=team).first()


def assessment_or_404(pk: int) -> MaturityAssessment:
    return get_object_or_404(MaturityAssessment.objects.select_related("team", "assessed_by"), pk=pk)


def team_assessments(team: Team):
    """The team's assessments, newest first, with who assessed."""
    return MaturityAssessment.objects.filter(team=team).select_related("assessed_by").order_by("-assessed_at", "-id")
