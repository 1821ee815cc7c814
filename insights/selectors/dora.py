"""DORA metrics of a scope (everything, a service, a team) over a range or by week: three queries each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from deployments.domain import PRODUCTION, canonical_environment
from deployments.models import Deployment, DeploymentCommit, DeploymentState
from incidents.models import Incident
from sla.models import Service, Team

from ..domain.dora import DoraCounts, DoraMetrics, dora_metrics, median_duration, mttr, weeks_ending
from ..domain.levels import DEFAULT_THRESHOLDS


OUTCOME_STATES = [DeploymentState.SUCCEEDED, DeploymentState.FAILED, DeploymentState.ROLLED_BACK]
FAILURE_STATES = [DeploymentState.FAILED, DeploymentState.ROLLED_BACK]


DEFAULT_RANGE_DAYS = 30
TREND_WEEKS = 13  # a quarter


def thresholds():
    return getattr(settings, "DORA_THRESHOLDS", DEFAULT_THRESHOLDS)


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
    result = {key: {"commits": len(v), "lead_time_median": median_duration(v)} for key, v in groups.items()}
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
        mean, median = mttr(pairs)
        result[key] = {"incidents_resolved": len(pairs), "mttr_mean": mean, "mttr_median": median}
    return result if by_week else result.get(None, {"incidents_resolved": 0, "mttr_mean": None, "mttr_median": None})


def _counts(*parts) -> DoraCounts:
    merged = {}
    for part in parts:
        merged.update({k: v for k, v in (part or {}).items() if v is not None})
    return DoraCounts(**merged)


def dora_for_range(*, scope: DoraScope | None = None, start: date, end: date) -> DoraMetrics:
    """DORA metrics of a scope over the inclusive date range: three queries."""
    scope = scope or DoraScope()
    start_at, end_at = day_bounds(start, end)
    counts = _counts(
        _deployment_counts(scope, start_at, end_at, False),
        _lead_times(scope, start_at, end_at, False),
        _restore_times(scope, start_at, end_at, False),
    )
    return dora_metrics(counts, start, end, thresholds())


def dora_weekly(*, scope: DoraScope | None = None, end: date, weeks: int = TREND_WEEKS) -> list[DoraMetrics]:
    """Monday-to-Sunday weekly values for the `weeks` weeks up to the one holding `end`:
    three grouped queries. The current week counts only its days up to `end`."""
    scope = scope or DoraScope()
    spans = weeks_ending(end, weeks)
    start_at, end_at = day_bounds(spans[0][0], end)
    deploys = _deployment_counts(scope, start_at, end_at, True)
    leads = _lead_times(scope, start_at, end_at, True)
    restores = _restore_times(scope, start_at, end_at, True)
    result = []
    for week_start, week_end in spans:
        last = min(week_end, end)
        counts = _counts(deploys.get(week_start), leads.get(week_start), restores.get(week_start))
        result.append(dora_metrics(counts, week_start, last, thresholds()))
    return result
