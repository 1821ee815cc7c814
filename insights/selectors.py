"""Reads for insights: DORA as aggregate queries, the dashboard panels, maturity facts, risk.

DORA never loads deployments row by row: counts are aggregates, and medians are computed
by PostgreSQL (`percentile_cont`); only on SQLite, which has no percentile, are the
durations fetched (two timestamps per commit or incident, nothing else). A range costs
three queries and the weekly trend three more, whatever the number of deployments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate, Avg, Count, DurationField, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, Subquery, Window,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from changes import selectors as changes_selectors
from changes.models import ChangeRequest
from delivery_portal import roles
from delivery_portal.strategy_guide import STRATEGIES, recommend_for_release
from deployments.domain import PRODUCTION, canonical_environment
from deployments.models import STRATEGY_NOT_REPORTED, Deployment, DeploymentCommit, DeploymentEvent, DeploymentState
from incidents import selectors as incidents_selectors
from incidents.models import Incident, IncidentState, TimelineEntry, TimelineKind
from releases import selectors as releases_selectors
from releases.models import Release
from sla import selectors as sla_selectors
from sla.models import Service, Team

from . import domain

OUTCOME_STATES = [DeploymentState.SUCCEEDED, DeploymentState.FAILED, DeploymentState.ROLLED_BACK]
FAILURE_STATES = [DeploymentState.FAILED, DeploymentState.ROLLED_BACK]
ACTIVE_DEPLOYMENT_STATES = [DeploymentState.RUNNING, DeploymentState.PAUSED, DeploymentState.HOLDING]
SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
OPEN_INCIDENT_STATES = [IncidentState.DETECT, IncidentState.TRIAGE, IncidentState.RESPOND]
DEFAULT_RANGE_DAYS = 30
TREND_WEEKS = 13  # a quarter


def thresholds():
    return getattr(settings, "DORA_THRESHOLDS", domain.DEFAULT_THRESHOLDS)


@dataclass(frozen=True)
class DoraScope:
    """Everything (both None), one service, or the services of one team."""

    service: Service | None = None
    team: Team | None = None
    environment: str = PRODUCTION  # deployments are stored under canonical names (deployments.domain)

    def deployment_q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}environment": canonical_environment(self.environment)})
        if self.service is not None:
            q &= Q(**{f"{prefix}service": self.service})
        if self.team is not None:
            q &= Q(**{f"{prefix}service__team": self.team})
        return q

    def incident_q(self) -> Q:
        links = Incident.services.through.objects.filter(incident_id=OuterRef("pk"))
        if self.service is not None:
            return Q(Exists(links.filter(service=self.service)))
        if self.team is not None:
            return Q(Exists(links.filter(service__team=self.team)))
        return Q()


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the portal's time zone: end is inclusive."""
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


def default_range(at: datetime | None = None, days: int = DEFAULT_RANGE_DAYS) -> tuple[date, date]:
    """The last `days` days up to and including today."""
    today = timezone.localdate(at or timezone.now())
    return today - timedelta(days=days - 1), today


# --- Median in the database ---------------------------------------------------------------
class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): works on numbers and on intervals."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _in_db_median() -> bool:
    return connection.vendor == "postgresql"


def _duration(end_field: str, start_field: str):
    return ExpressionWrapper(F(end_field) - F(start_field), output_field=DurationField())


def _week_of(value) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value - timedelta(days=value.weekday())


_DEPLOYED_AT = Coalesce("finished_at", "created_at")


def _deployment_range_q(start_at, end_at, prefix=""):
    """When a deployment happened: when it finished (or, without an end, when it was made).
    Written as an OR so PostgreSQL can use the finished_at index."""
    return Q(**{f"{prefix}finished_at__gte": start_at, f"{prefix}finished_at__lt": end_at}) | Q(
        **{f"{prefix}finished_at__isnull": True, f"{prefix}created_at__gte": start_at, f"{prefix}created_at__lt": end_at}
    )


# --- The three measurements, for one range or by week ---------------------------------------
def _deployment_counts(scope, start_at, end_at, by_week):
    caused = Exists(Incident.objects.filter(caused_by_deployment=OuterRef("pk")))
    qs = Deployment.objects.filter(scope.deployment_q(), _deployment_range_q(start_at, end_at), state__in=OUTCOME_STATES)
    aggregates = {
        "deployments": Count("pk"),
        "succeeded": Count("pk", filter=Q(state=DeploymentState.SUCCEEDED)),
        "failures": Count("pk", filter=Q(state__in=FAILURE_STATES) | Q(caused)),
    }
    if not by_week:
        return qs.order_by().aggregate(**aggregates)
    rows = qs.order_by().annotate(week=TruncWeek(_DEPLOYED_AT)).values("week").annotate(**aggregates)
    return {_week_of(row.pop("week")): row for row in rows}


def _lead_times(scope, start_at, end_at, by_week):
    qs = DeploymentCommit.objects.filter(
        scope.deployment_q("deployment__"),
        deployment__state=DeploymentState.SUCCEEDED,
        deployment__finished_at__gte=start_at,
        deployment__finished_at__lt=end_at,
        authored_at__lte=F("deployment__finished_at"),  # negative lead times are dropped
    ).order_by()
    lead = _duration("deployment__finished_at", "authored_at")
    if _in_db_median():
        aggregates = {"commits": Count("pk"), "lead_time_median": Median(lead, output_field=DurationField())}
        if not by_week:
            return qs.aggregate(**aggregates)
        rows = qs.annotate(week=TruncWeek("deployment__finished_at")).values("week").annotate(**aggregates)
        return {_week_of(row.pop("week")): row for row in rows}
    groups = defaultdict(list)
    for finished, authored in qs.values_list("deployment__finished_at", "authored_at").iterator():
        groups[_week_of(finished) if by_week else None].append(finished - authored)
    result = {key: {"commits": len(v), "lead_time_median": domain.median_duration(v)} for key, v in groups.items()}
    return result if by_week else result.get(None, {"commits": 0, "lead_time_median": None})


def _restore_times(scope, start_at, end_at, by_week):
    qs = Incident.objects.filter(
        scope.incident_q(),
        resolved_at__gte=start_at,
        resolved_at__lt=end_at,
        impact_ended_at__isnull=False,
        impact_ended_at__gte=F("impact_started_at"),
    ).order_by()
    impact = _duration("impact_ended_at", "impact_started_at")
    if _in_db_median():
        aggregates = {
            "incidents_resolved": Count("pk"),
            "mttr_mean": Avg(impact, output_field=DurationField()),
            "mttr_median": Median(impact, output_field=DurationField()),
        }
        if not by_week:
            return qs.aggregate(**aggregates)
        rows = qs.annotate(week=TruncWeek("resolved_at")).values("week").annotate(**aggregates)
        return {_week_of(row.pop("week")): row for row in rows}
    groups = defaultdict(list)
    for resolved, started, ended in qs.values_list("resolved_at", "impact_started_at", "impact_ended_at").iterator():
        groups[_week_of(resolved) if by_week else None].append((started, ended))
    result = {}
    for key, pairs in groups.items():
        mean, median = domain.mttr(pairs)
        result[key] = {"incidents_resolved": len(pairs), "mttr_mean": mean, "mttr_median": median}
    return result if by_week else result.get(None, {"incidents_resolved": 0, "mttr_mean": None, "mttr_median": None})


def _counts(*parts) -> domain.DoraCounts:
    merged = {}
    for part in parts:
        merged.update({k: v for k, v in (part or {}).items() if v is not None})
    return domain.DoraCounts(**merged)


def dora_for_range(*, scope: DoraScope | None = None, start: date, end: date) -> domain.DoraMetrics:
    """DORA metrics of a scope over the inclusive date range: three queries."""
    scope = scope or DoraScope()
    start_at, end_at = day_bounds(start, end)
    counts = _counts(
        _deployment_counts(scope, start_at, end_at, False),
        _lead_times(scope, start_at, end_at, False),
        _restore_times(scope, start_at, end_at, False),
    )
    return domain.dora_metrics(counts, start, end, thresholds())


def dora_weekly(*, scope: DoraScope | None = None, end: date, weeks: int = TREND_WEEKS) -> list[domain.DoraMetrics]:
    """Monday-to-Sunday weekly values for the `weeks` weeks up to the one holding `end`:
    three grouped queries. The current week counts only its days up to `end`."""
    scope = scope or DoraScope()
    spans = domain.weeks_ending(end, weeks)
    start_at, end_at = day_bounds(spans[0][0], end)
    deploys = _deployment_counts(scope, start_at, end_at, True)
    leads = _lead_times(scope, start_at, end_at, True)
    restores = _restore_times(scope, start_at, end_at, True)
    result = []
    for week_start, week_end in spans:
        last = min(week_end, end)
        counts = _counts(deploys.get(week_start), leads.get(week_start), restores.get(week_start))
        result.append(domain.dora_metrics(counts, week_start, last, thresholds()))
    return result


# --- Dashboard panels ----------------------------------------------------------------------
AT_RISK_STATUSES = ("at_risk", "frozen", "exhausted")


def budgets_at_risk(services, *, at: datetime | None = None) -> dict:
    """service pk -> ServiceBudget for the services of `services` burning faster than 1x
    (at risk, frozen or exhausted): sla's one-pass computation, two queries for any number."""
    budgets = sla_selectors.services_budgets(services, at=at)
    return {pk: budget for pk, budget in budgets.items() if budget.status in AT_RISK_STATUSES}


def freezes_and_budgets_at_risk(*, at: datetime | None = None, limit: int = 20, remember=None) -> dict:
    """Services under a deploy freeze, and services whose error budget is at risk (burning
    faster than 1x, not frozen), least remaining budget first.

    One query of every service (frozen ones and the others are split in Python; the frozen
    count is the length of that list) and the budgets at risk (two more queries whatever the
    number of services). `remember(compute)` may return a remembered value of `compute()`
    (the dashboard's page cache); which services are frozen is always read live.
    """
    services = list(
        Service.objects.select_related("team").only("pk", "slug", "name", "sla_target", "freeze_active", "team__name").order_by("name")
    )
    compute = lambda: budgets_at_risk(services, at=at)  # noqa: E731
    budgets = compute() if remember is None else remember(compute)
    frozen = [s for s in services if s.freeze_active]
    at_risk = [s for s in services if not s.freeze_active and s.pk in budgets]
    for service in at_risk:
        service.budget = budgets[service.pk]
    at_risk.sort(key=lambda s: s.budget.remaining_percent)
    return {"frozen": frozen[:limit], "frozen_count": len(frozen), "at_risk": at_risk[:limit], "limit": limit}


@dataclass(frozen=True)
class OpenIncident:
    incident: Incident
    open_for: timedelta
    detected_for: timedelta


def open_incidents_by_severity(*, at: datetime | None = None, limit: int = 20) -> dict:
    """Open incidents (detect, triage, respond), most severe first, with their severity
    clocks (response, resolution, next status update) and how long the impact has
    lasted; counts per severity. Two queries: the list, whose rows also carry the counts
    per severity over every open incident (window counts, computed before the LIMIT), and
    the services of the listed incidents.

    The clock facts come from incidents.selectors.with_clock_facts' names, but the last
    status update is a correlated subquery (index timeline_incident_kind_idx) rather than a
    join of the whole timeline grouped per incident: with a million timeline entries,
    PostgreSQL hashed the whole table for twenty open incidents (~400 ms)."""
    at = at or timezone.now()
    counts = {
        f"open_{severity.replace('-', '_').lower()}": Window(Count("pk", filter=Q(severity=severity)))
        for severity in SEVERITIES
    }
    last_update = TimelineEntry.objects.filter(incident=OuterRef("pk"), kind=TimelineKind.STATUS_UPDATE).order_by("-at")
    qs = (
        Incident.objects.filter(state__in=OPEN_INCIDENT_STATES)
        .select_related("commander")
        .prefetch_related("services")
        .annotate(
            last_status_update_at=Subquery(last_update.values("at")[:1]),
            pm_completed_at=F("postmortem__completed_at"),
            severity_rank=incidents_selectors.SEVERITY_RANK,
            **counts,
        )
        .order_by("severity_rank", "-detected_at", "-id")
    )
    rows = incidents_selectors.attach_clocks(qs[:limit], at=at)
    items = [OpenIncident(i, at - i.impact_started_at, at - i.detected_at) for i in rows]
    first = rows[0] if rows else None
    severities = [(s, getattr(first, f"open_{s.replace('-', '_').lower()}", 0) or 0) for s in SEVERITIES]
    return {"items": items, "by_severity": severities, "total": sum(n for _, n in severities), "limit": limit}


def changes_awaiting_approval(*, user, limit: int = 20) -> dict | None:
    """Submitted changes waiting for `user`'s decision (of a type they decide, not their
    own, not yet decided by them); None for users who approve nothing. One query: the rows
    carry the total (a window count over every waiting change, computed before the LIMIT)."""
    if not roles.has_any_role(user, roles.CAB_MEMBER, roles.ON_CALL):
        return None
    qs = changes_selectors.changes_awaiting(user)
    items = list(qs.annotate(awaiting_total=Window(Count("pk")))[:limit])
    return {"items": items, "total": items[0].awaiting_total if items else 0, "limit": limit}


def upcoming_releases(*, at: datetime | None = None, days: int = 14, limit: int = 20) -> dict:
    """Releases whose target date is within the next `days` days (today included), with
    their GO/NO-GO verdict: four queries (releases with their open P1/P2 counts, services,
    comms items, newest evidence)."""
    today = timezone.localdate(at or timezone.now())
    qs = Release.objects.filter(target_date__gte=today, target_date__lte=today + timedelta(days=days))
    qs = releases_selectors.with_open_p1_p2(qs)  # the verdicts need no query of their own for bug fixes
    items = list(qs.prefetch_related("services", "comms_items").order_by("target_date", "version")[:limit])
    verdicts = releases_selectors.recommendations_for(items, at=at)
    for release in items:
        release.verdict = verdicts[release.pk]
        release.comms_due = [item for item in release.comms_items.all() if not item.done and item.due_date <= today + timedelta(days=1)]
    return {"items": items, "today": today, "days": days, "limit": limit}


def active_deployments(*, limit: int = 20) -> dict:
    qs = Deployment.objects.filter(state__in=ACTIVE_DEPLOYMENT_STATES)
    return {"items": list(qs.select_related("service").order_by("-created_at")[:limit]), "limit": limit}


def dora_tiles(*, at: datetime | None = None) -> domain.DoraMetrics:
    start, end = default_range(at)
    return dora_for_range(start=start, end=end)


# --- Maturity ------------------------------------------------------------------------------
def team_delivery_facts(*, team: Team, at: datetime | None = None, days: int = 90) -> domain.TeamDeliveryFacts:
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
    return domain.TeamDeliveryFacts(
        days=days, incidents=incidents, deploys_per_day=succeeded_month / DEFAULT_RANGE_DAYS, **row
    )


# --- Pre-mortem risk of a release ------------------------------------------------------------
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
        domain.ServiceHistory(
            s.slug, s.name, s.freeze_active, s.failed, s.rolled_back, s.incident_count,
            burn_rate=float(budgets[s.pk].burn_rate), budget_status=budgets[s.pk].status,
        )
        for s in services
    ]
    used = [STRATEGIES[s] for s in strategies if s in STRATEGIES]
    if used:
        worst = max(used, key=lambda info: domain.RISK_ORDER.get(info.risk.lower(), 2))
        strategy_label, strategy_risk = worst.label, worst.risk
        reasons = [f"Deployments of this release use: {', '.join(info.label for info in used)}."]
    else:
        info = recommendation.info
        strategy_label, strategy_risk = info.label, info.risk
        reasons = ["No deployment with a known strategy yet; the recommended strategy is assumed.", *recommendation.reasons]
    risks = domain.premortem_risks(
        strategy_label=strategy_label, strategy_risk=strategy_risk, strategy_reasons=reasons,
        change_types=change_types, services=histories, days=days,
    )
    return {
        "release": release.version,
        "release_type": release.release_type,
        "target_date": release.target_date.isoformat(),
        "generated_at": timezone.localtime(at).isoformat(),
        "overall_risk": domain.overall_risk(risks),
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
