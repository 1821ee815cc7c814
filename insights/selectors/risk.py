"""The pre-mortem risk of a release from its deployments, changes and services."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from changes.models import ChangeRequest
from delivery_portal.strategy_guide import STRATEGIES, recommend_for_release
from deployments.models import STRATEGY_NOT_REPORTED, Deployment, DeploymentState
from incidents.models import Incident
from releases.models import Release
from sla import selectors as sla_selectors
from sla.models import Service

from ..domain.risk import ServiceHistory, overall_risk, premortem_risks, strategy_basis


def release_risk(*, release: Release, at: datetime | None = None, days: int = 90) -> dict:
    """Strategy risk, the change types of changes linked via deployments, the services'
    freezes and their failure history over the last `days` days. Four queries."""
    at = at or timezone.now()
    strategies = _strategies_used(release)
    recommendation = recommend_for_release(release_type=release.release_type)
    change_types = _change_types(release)
    histories = _service_histories(release, since=at - timedelta(days=days), at=at)
    used = [STRATEGIES[s] for s in strategies if s in STRATEGIES]
    strategy_label, strategy_risk, reasons = strategy_basis(used, recommendation.info, recommendation.reasons)
    risks = premortem_risks(
        strategy_label=strategy_label, strategy_risk=strategy_risk, strategy_reasons=reasons,
        change_types=change_types, services=histories, days=days,
    )
    return {
        "release": release.version,
        "release_type": release.release_type,
        "target_date": release.target_date.isoformat(),
        "generated_at": timezone.localtime(at).isoformat(),
        "overall_risk": overall_risk(risks),
        "strategy": {
            "used": strategies,
            "recommended": recommendation.strategy,
            "label": strategy_label,
            "risk": strategy_risk,
            "rollback_speed": STRATEGIES[recommendation.strategy].rollback_speed,
            "reasons": reasons,
        },
        "change_types": {k: sorted(v) for k, v in sorted(change_types.items())},
        "services": [_service_row(h, days) for h in histories],
        "risks": [{"area": r.area, "subject": r.subject, "level": r.level, "detail": r.detail} for r in risks],
    }


def _strategies_used(release) -> list[str]:
    """The strategies the release's deployments reported (refused ones and "not reported" aside)."""
    return sorted(
        set(
            Deployment.objects.filter(release=release)
            .exclude(state=DeploymentState.REFUSED)
            .exclude(strategy=STRATEGY_NOT_REPORTED)
            .order_by()
            .values_list("strategy", flat=True)
            .distinct()
        )
    )


def _change_types(release) -> dict[str, list[str]]:
    """change type -> references of the changes linked to the release's deployments."""
    change_types = defaultdict(list)
    for reference, change_type in (
        ChangeRequest.objects.filter(deployments__release=release).order_by().values_list("reference", "change_type").distinct()
    ):
        change_types[change_type].append(reference)
    return change_types


def _service_histories(release, *, since, at) -> list[ServiceHistory]:
    """The release's services with their failed and rolled-back deployments and incidents since
    `since`, and their error budgets at `at`: one query, and sla's two for the budgets."""
    incident_count = Incident.objects.filter(services=OuterRef("pk"), impact_started_at__gte=since, impact_started_at__lte=at)
    incident_sub = Subquery(
        incident_count.order_by().values("services").annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
    )
    services = list(
        Service.objects.filter(releases=release)
        .annotate(
            failed=Count("deployments", filter=Q(deployments__state=DeploymentState.FAILED, deployments__created_at__gte=since)),
            rolled_back=Count(
                "deployments", filter=Q(deployments__state=DeploymentState.ROLLED_BACK, deployments__created_at__gte=since)
            ),
        )
        .order_by("slug")
        .annotate(incident_count=Coalesce(incident_sub, 0))
    )
    budgets = sla_selectors.services_budgets(services, at=at)
    return [
        ServiceHistory(
            s.slug, s.name, s.freeze_active, s.failed, s.rolled_back, s.incident_count,
            burn_rate=float(budgets[s.pk].burn_rate), budget_status=budgets[s.pk].status,
        )
        for s in services
    ]


def _service_row(history: ServiceHistory, days: int) -> dict:
    return {
        "service": history.slug,
        "name": history.name,
        "freeze_active": history.freeze_active,
        "failed_deployments": history.failed_deployments,
        "rolled_back_deployments": history.rolled_back_deployments,
        "incidents": history.incidents,
        "history_days": days,
        "burn_rate": history.burn_rate,
        "budget_status": history.budget_status,
    }
