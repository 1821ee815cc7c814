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

from ..domain.risk import RISK_ORDER, ServiceHistory, overall_risk, premortem_risks


def release_risk(*, release: Release, at: datetime | None = None, days: int = 90) -> dict:
    """Strategy risk, the change types of changes linked via deployments, the services'
    freezes and their failure history over the last `days` days. Four queries."""
    at = at or timezone.now()
    since = at - timedelta(days=days)
    strategies = sorted(
        set(
            Deployment.objects.filter(release=release)
            .exclude(state=DeploymentState.REFUSED)
            .exclude(strategy=STRATEGY_NOT_REPORTED)
            .order_by()
            .values_list("strategy", flat=True)
            .distinct()
        )
    )
    recommendation = recommend_for_release(release_type=release.release_type)
    change_types = defaultdict(list)
    for reference, change_type in (
        ChangeRequest.objects.filter(deployments__release=release).order_by().values_list("reference", "change_type").distinct()
    ):
        change_types[change_type].append(reference)
    incident_count = Incident.objects.filter(services=OuterRef("pk"), impact_started_at__gte=since, impact_started_at__lte=at)
    services = (
        Service.objects.filter(releases=release)
        .annotate(
            failed=Count("deployments", filter=Q(deployments__state=DeploymentState.FAILED, deployments__created_at__gte=since)),
            rolled_back=Count(
                "deployments", filter=Q(deployments__state=DeploymentState.ROLLED_BACK, deployments__created_at__gte=since)
            ),
        )
        .order_by("slug")
    )
    incident_sub = Subquery(
        incident_count.order_by().values("services").annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
    )
    services = services.annotate(incident_count=Coalesce(incident_sub, 0))
    services = list(services)
    budgets = sla_selectors.services_budgets(services, at=at)
    histories = [
        ServiceHistory(
            s.slug, s.name, s.freeze_active, s.failed, s.rolled_back, s.incident_count,
            burn_rate=float(budgets[s.pk].burn_rate), budget_status=budgets[s.pk].status,
        )
        for s in services
    ]
    used = [STRATEGIES[s] for s in strategies if s in STRATEGIES]
    if used:
        worst = max(used, key=lambda info: RISK_ORDER.get(info.risk.lower(), 2))
        strategy_label, strategy_risk = worst.label, worst.risk
        reasons = [f"Deployments of this release use: {', '.join(info.label for info in used)}."]
    else:
        info = recommendation.info
        strategy_label, strategy_risk = info.label, info.risk
        reasons = ["No deployment with a known strategy yet; the recommended strategy is assumed.", *recommendation.reasons]
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
        "services": [
            {
                "service": h.slug,
                "name": h.name,
                "freeze_active": h.freeze_active,
                "failed_deployments": h.failed_deployments,
                "rolled_back_deployments": h.rolled_back_deployments,
                "incidents": h.incidents,
                "history_days": days,
                "burn_rate": h.burn_rate,
                "budget_status": h.budget_status,
            }
            for h in histories
        ],
        "risks": [{"area": r.area, "subject": r.subject, "level": r.level, "detail": r.detail} for r in risks],
    }
