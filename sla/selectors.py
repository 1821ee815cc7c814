"""Reads of the sla app for pages, the API, the beat task and other apps.

Public (other apps call these; names and signatures are stable):

- `service_budget(service, *, period="month", at=None) -> ServiceBudget`
- `services_budgets(services=None, *, period="month", at=None) -> dict[int, ServiceBudget]`
  (keyed by service pk; a fixed number of queries whatever the number of services)
- `service_budget_detail(service, *, period="month", at=None) -> domain.Budget`
  (the exact account: each impact and maintenance window's share, multi-window burn rates)
- `service_open_freeze(service) -> Freeze | None`
- `freezes_overlapping(*, start, end=None, service_ids=None)`, `freezes_in_force(*, at, service_ids=None)`:
  the deploy freezes over a span or at a moment (querysets; the one spelling of the overlap)
- `service_deploy_blockers(service) -> list[str]` (empty when deployments may go ahead)
- `teams_with_counts()`: every team with `services_count` and `members_count` (one query)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from delivery_portal.api.fields import IsoDateTimeField

from .domain import error_budget, intervals, periods
from .models import BudgetSnapshot, Freeze, ImpactWindow, MaintenanceWindow, Service, Team

# Below this many services the bulk read filters impact rows by service id; above, it reads
# every row of the period (one scan instead of a huge IN list).
FILTER_BY_ID_BELOW = 500
BUDGET_KEYS = (
    "service", "period", "period_start", "period_end", "sla_target", "budget_minutes", "consumed_minutes",
    "remaining_minutes", "remaining_percent", "burn_rate", "freeze", "status",
)


@dataclass(frozen=True)
class ServiceBudget:
    """A service's error budget, field for field the budget API of the contract.

    Numbers are Decimals rounded to two places (the edge); `as_dict()` is the API's JSON.
    """

    service: str  # slug
    period: str
    period_start: datetime
    period_end: datetime
    sla_target: Decimal
    budget_minutes: Decimal
    consumed_minutes: Decimal
    remaining_minutes: Decimal
    remaining_percent: Decimal
    burn_rate: Decimal
    freeze: bool
    status: str

    @classmethod
    def from_budget(cls, service: Service, budget: error_budget.Budget) -> ServiceBudget:
        return cls(
            service=service.slug,
            period=budget.period,
            period_start=budget.period_start,
            period_end=budget.period_end,
            sla_target=budget.sla_target.normalize(),
            budget_minutes=periods.round2(budget.budget_minutes),
            consumed_minutes=periods.round2(budget.consumed_minutes),
            remaining_minutes=periods.round2(budget.remaining_minutes),
            remaining_percent=periods.round2(budget.remaining_percent),
            burn_rate=periods.round2(budget.burn_rate),
            freeze=service.freeze_active,
            status=budget.status,
        )

    @property
    def status_label(self) -> str:
        return error_budget.STATUS_LABELS[self.status]

    def as_dict(self) -> dict:
        """JSON-ready: times ISO 8601 with an offset, the target as a string, numbers as numbers."""
        data = asdict(self)
        iso = IsoDateTimeField()
        data["period_start"] = iso.to_representation(self.period_start)
        data["period_end"] = iso.to_representation(self.period_end)
        data["sla_target"] = _plain(self.sla_target)
        for key in ("budget_minutes", "consumed_minutes", "remaining_minutes", "remaining_percent", "burn_rate"):
            data[key] = float(data[key])
        return data


def _plain(value: Decimal) -> str:
    """99.9000 -> "99.9", 100 -> "100" (no exponent)."""
    text = format(value.normalize(), "f")
    return text


def portal_tz():
    return ZoneInfo(settings.TIME_ZONE)


def _windows_of(impacts, maintenance):
    return (
        [intervals.Window(start=w.started_at, end=w.ended_at, ref=w.source_ref, title=w.title) for w in impacts],
        [intervals.Window(start=w.starts_at, end=w.ends_at, ref=str(w.pk), title=w.reason) for w in maintenance],
    )


def _ends_after(end_field: str, moment: datetime, *, open_end: bool) -> Q:
    """Ends after `moment`, or has no end yet (when the span may be open)."""
    ends_after = Q(**{f"{end_field}__gt": moment})
    if open_end:
        ends_after |= Q(**{f"{end_field}__isnull": True})
    return ends_after


def _overlapping(model, start_field: str, end_field: str, lo: datetime, hi: datetime | None, *, open_end: bool):
    """Rows of `model` whose span touches [lo, hi] (no upper bound when `hi` is None)."""
    qs = model.objects.filter(_ends_after(end_field, lo, open_end=open_end))
    return qs if hi is None else qs.filter(**{f"{start_field}__lt": hi})


def service_budget_detail(service: Service, *, period: str = "month", at: datetime | None = None) -> error_budget.Budget:
    """The exact account of one service (two queries): for its page, the chart and the report."""
    at = at or timezone.now()
    start, _ = periods.period_bounds(period, at, portal_tz())
    lo = min(start, at - error_budget.LONGEST_BURN_WINDOW)
    impacts = list(
        _overlapping(ImpactWindow, "started_at", "ended_at", lo, at, open_end=True).filter(
            service=service, counts_against_sla=True
        )
    )
    # Maintenance: the whole period, so that windows still to come are listed too.
    _, end = periods.period_bounds(period, at, portal_tz())
    maintenance = list(_overlapping(MaintenanceWindow, "starts_at", "ends_at", lo, end, open_end=False).filter(service=service))
    impact_windows, maintenance_windows = _windows_of(impacts, maintenance)
    return error_budget.compute_budget(
        target=service.sla_target, period=period, at=at, tz=portal_tz(), impacts=impact_windows, maintenance=maintenance_windows
    )


def service_budget(service: Service, *, period: str = "month", at: datetime | None = None) -> ServiceBudget:
    """The budget API's answer for one service. Raises domain.BudgetInputError on a bad period."""
    return services_budgets([service], period=period, at=at)[service.pk]


def services_budgets(services=None, *, period: str = "month", at: datetime | None = None) -> dict[int, ServiceBudget]:
    """Budgets of many services (all of them by default), keyed by service pk.

    One pass: a query for the services (unless given), one for every counting impact window
    of the period and one for every maintenance window; the arithmetic runs in memory.
    """
    at = at or timezone.now()
    start, _ = periods.period_bounds(period, at, portal_tz())
    if services is None:
        services = Service.objects.all()
    services = list(services)
    if not services:
        return {}
    ids = [s.pk for s in services]
    impacts, maintenance = defaultdict(list), defaultdict(list)
    impact_rows = _overlapping(ImpactWindow, "started_at", "ended_at", start, at, open_end=True).filter(counts_against_sla=True)
    maintenance_rows = _overlapping(MaintenanceWindow, "starts_at", "ends_at", start, at, open_end=False)
    if len(ids) < FILTER_BY_ID_BELOW:  # a page of services: ask only for theirs; else every row of the period
        impact_rows = impact_rows.filter(service_id__in=ids)
        maintenance_rows = maintenance_rows.filter(service_id__in=ids)
    for service_id, started, ended in impact_rows.values_list("service_id", "started_at", "ended_at"):
        impacts[service_id].append(intervals.Window(start=started, end=ended))
    for service_id, starts, ends in maintenance_rows.values_list("service_id", "starts_at", "ends_at"):
        maintenance[service_id].append(intervals.Window(start=starts, end=ends))
    tz = portal_tz()
    result = {}
    for service in services:
        budget = error_budget.compute_budget(
            target=service.sla_target,
            period=period,
            at=at,
            tz=tz,
            impacts=impacts.get(service.pk, ()),
            maintenance=maintenance.get(service.pk, ()),
            detail=False,
        )
        result[service.pk] = ServiceBudget.from_budget(service, budget)
    return result


# The SLA overview's sort keys (a leading "-" reverses); rows are {"service", "budget"}.
OVERVIEW_SORTS = {
    "name": lambda row: row["service"].name.lower(),
    "status": lambda row: -error_budget.STATUSES.index(row["budget"].status),  # worst first
    "remaining": lambda row: row["budget"].remaining_percent,
    "burn": lambda row: row["budget"].burn_rate,
    "target": lambda row: row["service"].sla_target,
    "team": lambda row: (row["service"].team.name.lower() if row["service"].team else "~"),
}


def service_list():
    """Every service by slug, with its team (the API list)."""
    return Service.objects.select_related("team").order_by("slug")


def service_or_404(slug: str) -> Service:
    return get_object_or_404(Service.objects.select_related("team"), slug=slug)


def service_choices() -> list[tuple[str, str]]:
    """(slug, name) of every service by name, for filter menus (no model instances)."""
    return list(Service.objects.order_by("name").values_list("slug", "name"))


def overview_services():
    """The services the SLA overview lists, before its filters (sla.filtersets)."""
    return Service.objects.select_related("team")


def services_overview(services, *, period: str = "month", status: str = "", sort: str = "status",
                      at: datetime | None = None) -> list[dict]:
    """The SLA overview's rows, {"service": Service, "budget": ServiceBudget}, for `services`
    (overview_services() as filtered by ServiceOverviewFilterSet), filtered by budget status
    (one of STATUSES) and sorted (a key of OVERVIEW_SORTS, or "-key").

    For the page and its CSV export alike. Three queries whatever the number of services
    (services_budgets' one pass)."""
    services_list = list(services)
    budgets = services_budgets(services_list, period=period, at=at)
    rows = [{"service": s, "budget": budgets[s.pk]} for s in services_list]
    if status in error_budget.STATUSES:
        rows = [r for r in rows if r["budget"].status == status]
    descending = sort.startswith("-")
    key = OVERVIEW_SORTS.get(sort.lstrip("-"), OVERVIEW_SORTS["status"])
    # Default order within a key: by name, so the table does not shuffle between polls.
    rows.sort(key=lambda r: r["service"].name.lower())
    rows.sort(key=key, reverse=descending)
    return rows


def service_impact_windows(service: Service, *, start: datetime, end: datetime):
    """Every impact window of the service touching [start, end], counting or not (for its page)."""
    return list(_overlapping(ImpactWindow, "started_at", "ended_at", start, end, open_end=True).filter(service=service))


def maintenance_windows():
    """Every maintenance window, newest first (the API list; its filter: sla.filtersets)."""
    return MaintenanceWindow.objects.select_related("service", "created_by").order_by("-starts_at")


def service_maintenance_window_or_404(service: Service, pk: int) -> MaintenanceWindow:
    return get_object_or_404(MaintenanceWindow, pk=pk, service=service)


def service_maintenance_windows(service: Service, *, since: datetime, limit: int = 50):
    return list(service.maintenance_windows.filter(ends_at__gt=since).select_related("created_by").order_by("starts_at")[:limit])


def service_snapshots(service: Service, *, period: str = "month", since: datetime | None = None):
    qs = BudgetSnapshot.objects.filter(service=service, period=period)
    if since is not None:
        qs = qs.filter(taken_at__gte=since)
    return list(qs.order_by("taken_at"))


def freeze_history(service: Service):
    """The service's freezes, newest first, with who started and ended them (the API pages it)."""
    return service.freezes.select_related("service", "started_by", "ended_by").order_by("-started_at")


def service_freezes(service: Service, *, limit: int = 20):
    return list(freeze_history(service)[:limit])


def service_open_freeze(service: Service) -> Freeze | None:
    return service.freezes.filter(ended_at__isnull=True).select_related("started_by").first()


def freezes_overlapping(*, start: datetime, end: datetime | None = None, service_ids=None):
    """Deploy freezes overlapping [start, end): ended after `start` or still open, and started
    before `end` (any start when `end` is None). The change calendar and change conflicts."""
    qs = _overlapping(Freeze, "started_at", "ended_at", start, end, open_end=True)
    return qs if service_ids is None else qs.filter(service_id__in=service_ids)


def freezes_in_force(*, at: datetime, service_ids=None):
    """Deploy freezes in force at the moment `at`: started by then and not ended (the gates)."""
    qs = Freeze.objects.filter(_ends_after("ended_at", at, open_end=True), started_at__lte=at)
    return qs if service_ids is None else qs.filter(service_id__in=service_ids)


def service_deploy_blockers(service: Service) -> list[str]:
    """Why a non-critical deployment to `service` must not start now (empty: it may).

    For the deployment gates: a service under a deploy freeze (error budget or imposed by a
    delivery manager) takes only critical deployments.
    """
    if not service.freeze_active:
        return []
    freeze = service_open_freeze(service)
    if freeze is None:
        return [f"Service {service.slug} is under a deploy freeze."]
    since = timezone.localtime(freeze.started_at).strftime("%Y-%m-%d %H:%M %Z")
    return [f"Service {service.slug} is under a deploy freeze ({freeze.get_cause_display().lower()}) since {since}: {freeze.reason}"]


# --- Teams ------------------------------------------------------------------------------------
def teams_with_counts():
    """Every team by name, each with `services_count` and `members_count` (one query)."""
    return Team.objects.annotate(
        services_count=Count("services", distinct=True), members_count=Count("members", distinct=True)
    ).order_by("name", "slug")


def team_or_404(slug: str) -> Team:
    return get_object_or_404(Team, slug=slug)


def team_choices() -> list[tuple[str, str]]:
    """(slug, name) of every team by name, for filter menus."""
    return list(Team.objects.order_by("name").values_list("slug", "name"))


def team_services(team: Team):
    return list(team.services.order_by("name"))


def team_members(team: Team):
    return list(team.members.order_by("username"))
