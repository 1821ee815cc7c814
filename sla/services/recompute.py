"""The error-budget recompute (the beat task's work): snapshots, budget freezes started and lifted."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..domain import error_budget
from ..models import BudgetSnapshot, Freeze, Service
from .freezes import end_freeze, lock_service, start_freeze

log = logging.getLogger(__name__)


@dataclass
class RecomputeResult:
    at: datetime
    services: int = 0
    snapshots: int = 0
    frozen: list[str] = field(default_factory=list)  # slugs newly frozen
    lifted: list[str] = field(default_factory=list)  # slugs whose budget freeze was lifted


def _bucket(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _snapshot_row(service_id: int, budget: selectors.ServiceBudget, at: datetime) -> BudgetSnapshot:
    return BudgetSnapshot(
        service_id=service_id,
        period=budget.period,
        taken_at=_bucket(at),
        computed_at=at,
        period_start=budget.period_start,
        budget_minutes=budget.budget_minutes,
        consumed_minutes=budget.consumed_minutes,
        remaining_minutes=budget.remaining_minutes,
        remaining_percent=budget.remaining_percent,
        burn_rate=budget.burn_rate,
        status=budget.status,
        freeze=budget.freeze,
    )


def snapshots_store(rows: list[BudgetSnapshot], *, batch_size: int = 1000) -> int:
    """Upsert snapshots (one per service, period and hour): the hour's row holds the latest values."""
    BudgetSnapshot.objects.bulk_create(
        rows,
        batch_size=batch_size,
        update_conflicts=True,
        unique_fields=["service", "period", "taken_at"],
        update_fields=[
            "computed_at", "period_start", "budget_minutes", "consumed_minutes", "remaining_minutes",
            "remaining_percent", "burn_rate", "status", "freeze",
        ],
    )
    return len(rows)


def _freeze_reason(budget: selectors.ServiceBudget) -> str:
    if budget.status == error_budget.EXHAUSTED:
        return (
            f"Error budget exhausted: {budget.consumed_minutes} of {budget.budget_minutes} minutes used this "
            f"{budget.period} ({budget.remaining_minutes} left), burn rate {budget.burn_rate}x."
        )
    return (
        f"Error budget burning too fast: burn rate {budget.burn_rate}x (above {error_budget.FREEZE_BURN_RATE}x), "
        f"{budget.remaining_minutes} of {budget.budget_minutes} minutes left this {budget.period}."
    )


def _lift_reason(budget: selectors.ServiceBudget) -> str:
    return (
        f"Error budget back to normal: burn rate {budget.burn_rate}x ({budget.status_label}), "
        f"{budget.remaining_minutes} of {budget.budget_minutes} minutes left this {budget.period}."
    )


def budget_recompute(*, at: datetime | None = None, service_ids=None, snapshots: bool = True) -> RecomputeResult:
    """Recompute every service's monthly budget (or those of `service_ids`), store snapshots,
    start budget freezes where the status is frozen or exhausted, lift budget freezes where it
    is back to on track or at risk, and tell the owning teams.

    Idempotent: a second run at the same moment changes no freeze and adds no snapshot (one a
    service and hour: the first run of the hour writes it; a run for given `service_ids`, or a
    freeze change, updates it). Bounded queries for any number of services: six reads, the
    snapshot upserts in batches, and a short locked transaction only for each service whose
    freeze state changes.
    Manual freezes are never lifted here; a budget freeze lifted by hand is not started again
    before the month ends.
    """
    at = at or timezone.now()
    services_qs = Service.objects.select_related("team").order_by("pk")
    if service_ids is not None:
        services_qs = services_qs.filter(pk__in=list(service_ids))
    services = list(services_qs)
    result = RecomputeResult(at=at, services=len(services))
    if not services:
        return result
    budgets = selectors.services_budgets(services, period="month", at=at)
    _follow_budgets_with_freezes(services, budgets, result, every_service=service_ids is None)
    if snapshots:
        result.snapshots = _store_hour_snapshots(services, budgets, result, every_service=service_ids is None)
    if result.frozen or result.lifted:
        log.info("budget recompute at %s: frozen %s; lifted %s", at, _some(result.frozen), _some(result.lifted))
    return result


def _follow_budgets_with_freezes(services, budgets, result: RecomputeResult, *, every_service: bool) -> None:
    """Start a budget freeze where the status asks for one (unless lifted by hand this month),
    lift a budget freeze where it no longer does, and repair the freeze flag elsewhere."""
    at = result.at
    period_start = next(iter(budgets.values())).period_start
    freezes = Freeze.objects.all() if every_service else Freeze.objects.filter(service_id__in=[s.pk for s in services])
    open_freezes = {f.service_id: f for f in freezes.filter(ended_at__isnull=True)}
    overridden = set(
        freezes.filter(cause=Freeze.Cause.BUDGET, ended_by__isnull=False, ended_at__gte=period_start).values_list(
            "service_id", flat=True
        )
    )
    for service in services:
        budget = budgets[service.pk]
        open_freeze = open_freezes.get(service.pk)
        wants = budget.status in error_budget.FREEZE_STATUSES
        if wants and open_freeze is None and service.pk not in overridden:
            if _budget_freeze_start(service, budget, at):
                result.frozen.append(service.slug)
        elif not wants and open_freeze is not None and open_freeze.cause == Freeze.Cause.BUDGET:
            if _budget_freeze_end(service, budget, at):
                result.lifted.append(service.slug)
        elif service.freeze_active != (open_freeze is not None):
            # Repair a flag that disagrees with the freeze rows (e.g. edited in the admin).
            Service.objects.filter(pk=service.pk).update(freeze_active=open_freeze is not None)
            service.freeze_active = open_freeze is not None


def _store_hour_snapshots(services, budgets, result: RecomputeResult, *, every_service: bool) -> int:
    """History: one snapshot per service and hour, written by the first run of the hour (and
    again for a service whose freeze changed, or every service of a run for given ids), so the
    59 other runs of the hour write nothing."""
    bucket = _bucket(result.at)
    have = BudgetSnapshot.objects.filter(period="month", taken_at=bucket)
    if not every_service:
        have = have.filter(service_id__in=[s.pk for s in services])
    have = set(have.values_list("service_id", flat=True))
    changed = set(result.frozen) | set(result.lifted)
    rows = [
        _snapshot_row(s.pk, replace(budgets[s.pk], freeze=s.freeze_active), result.at)
        for s in services
        if s.pk not in have or s.slug in changed or not every_service
    ]
    return snapshots_store(rows) if rows else 0


def _some(slugs: list[str], shown: int = 10) -> str:
    """A log-sized list: the first few slugs and how many more (a bad hour can freeze hundreds)."""
    more = f" and {len(slugs) - shown} more" if len(slugs) > shown else ""
    return f"{len(slugs)} ({', '.join(slugs[:shown])}{more})" if slugs else "none"


@transaction.atomic
def _budget_freeze_start(service: Service, budget: selectors.ServiceBudget, at: datetime) -> bool:
    locked = lock_service(service)
    if locked.freezes.filter(ended_at__isnull=True).exists():
        return False  # someone else got there first
    start_freeze(locked, cause=Freeze.Cause.BUDGET, reason=_freeze_reason(budget), at=at)
    service.freeze_active = True
    return True


@transaction.atomic
def _budget_freeze_end(service: Service, budget: selectors.ServiceBudget, at: datetime) -> bool:
    locked = lock_service(service)
    open_freeze = locked.freezes.filter(ended_at__isnull=True, cause=Freeze.Cause.BUDGET).first()
    if open_freeze is None:
        return False
    open_freeze.service = locked
    end_freeze(open_freeze, reason=_lift_reason(budget), at=at)
    service.freeze_active = False
    return True


def snapshots_backfill(*, service: Service, start: datetime, at: datetime, step) -> int:
    """Snapshots of `service` every `step` from `start` to `at` (demo data, a new service's chart)."""
    rows = []
    moment = start
    while moment <= at:
        budget = selectors.service_budget(service, period="month", at=moment)
        rows.append(_snapshot_row(service.pk, budget, moment))
        moment += step
    return snapshots_store(rows)
