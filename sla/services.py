"""Every state change of the sla app. Keyword-only, atomic, audited.

Public (other apps call these; names and signatures are stable):

- `impact_window_sync(*, source_ref, title, services, started_at, ended_at, counts_against_sla)`
- `freeze_impose(*, service, by, reason, at=None) -> Freeze`
- `freeze_lift(*, service, by, reason, at=None) -> Freeze`
- `budget_recompute(*, at=None, service_ids=None, snapshots=True) -> RecomputeResult`
- `maintenance_window_add(*, service, starts_at, ends_at, reason, by=None) -> MaintenanceWindow`
- `service_create(*, by, **fields) -> Service`, `service_update(*, service, by, **fields) -> Service`
- `team_create(*, by, members=(), **fields) -> Team`,
  `team_update(*, team, by, expected_version=None, **fields) -> Team` (delivery managers)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from delivery_portal import concurrency, roles
from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify
from delivery_portal.outbox import enqueue
from slack_integration import notify as slack_notify

from . import domain, selectors
from .models import BudgetSnapshot, Freeze, ImpactWindow, MaintenanceWindow, Service, Team

log = logging.getLogger(__name__)

FREEZE_STARTED = "freeze.started"
FREEZE_LIFTED = "freeze.lifted"


@transaction.atomic
def impact_window_sync(
    *, source_ref: str, title: str, services, started_at, ended_at, counts_against_sla: bool
) -> None:
    """Make the impact windows of `source_ref` (an incident) match its current facts.

    One window per affected service; services no longer affected lose theirs. Called by
    the incidents app whenever impact times, services or counting change.
    """
    service_ids = {s.pk if isinstance(s, Service) else int(s) for s in services}
    ImpactWindow.objects.filter(source_ref=source_ref).exclude(service_id__in=service_ids).delete()
    for service_id in service_ids:
        ImpactWindow.objects.update_or_create(
            service_id=service_id,
            source_ref=source_ref,
            defaults={
                "title": title[:200],
                "started_at": started_at,
                "ended_at": ended_at,
                "counts_against_sla": counts_against_sla,
            },
        )


# --- Services and maintenance windows -------------------------------------------------------
SERVICE_FIELDS = ("slug", "name", "tier", "sla_target", "team", "p99_threshold_ms")


def _require_manager(user):
    if user is not None and not roles.has_role(user, roles.DELIVERY_MANAGER):
        raise ProcessError("Only a delivery manager may do this.", ["needs the delivery_manager role"])


@transaction.atomic
def service_create(*, by, **fields) -> Service:
    _require_manager(by)
    service = Service(**{k: v for k, v in fields.items() if k in SERVICE_FIELDS})
    service.full_clean()
    service.save()
    return service


@transaction.atomic
@transaction.atomic
def service_update(*, service: Service, by, expected_version=None, **fields) -> Service:
    """Change a service's facts; a new SLA target takes effect in the next recompute (queued).

    `expected_version`: the `edit_version` the editor saw (delivery_portal.concurrency).
    """
    _require_manager(by)
    concurrency.claim(service, expected_version, noun="service")
    for name, value in fields.items():
        if name in SERVICE_FIELDS:
            setattr(service, name, value)
    service.full_clean()
    service.save()
    enqueue("sla.tasks.recompute_service_budget", service_id=service.pk)
    return service


@transaction.atomic
def maintenance_window_add(
    *, service: Service, starts_at: datetime, ends_at: datetime, reason: str, by=None
) -> MaintenanceWindow:
    """Schedule (or record) maintenance: its minutes stop counting against the budget at once.

    The freeze state follows in the recompute queued here (a freeze may lift).
    """
    window = MaintenanceWindow(service=service, starts_at=starts_at, ends_at=ends_at, reason=reason.strip(), created_by=by)
    window.full_clean()
    window.save()
    enqueue("sla.tasks.recompute_service_budget", service_id=service.pk)
    return window


@transaction.atomic
def maintenance_window_remove(*, window: MaintenanceWindow, reason: str, by=None) -> None:
    """Remove a maintenance window entered by mistake: its minutes count against the budget
    again (a freeze may start in the recompute queued here). The deletion, who made it and why
    stay in the window's history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the window is removed (it changes the error budget)."]})
    service_id = window.service_id
    window._change_reason = f"removed: {reason}"[:100]
    if by is not None:
        window._history_user = by
    window.delete()
    enqueue("sla.tasks.recompute_service_budget", service_id=service_id)


# --- Teams ----------------------------------------------------------------------------------
TEAM_FIELDS = ("slug", "name", "email", "webhook_url", "slack_webhook_url")


def _team_clean(team: Team) -> None:
    """The model's own checks, with the clear message for a slug already taken."""
    errors = {}
    try:
        team.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = exc.message_dict
    if team.slug and "slug" not in errors:
        taken = Team.objects.filter(slug=team.slug).exclude(pk=team.pk).exists()
        problem = domain.team_slug_problem(team.slug, taken=taken)
        if problem:
            errors["slug"] = [problem]
    if errors:
        raise ValidationError(errors)


def _team_save(team: Team, *, by, reason: str) -> None:
    """Save with the acting user and a reason on the history record; a slug taken by a
    concurrent create (the unique index) is the same form error as a slug taken before."""
    if getattr(by, "is_authenticated", False):
        team._history_user = by
    team._change_reason = reason
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable
            team.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": [domain.team_slug_taken(team.slug)]}) from exc
    finally:
        for attr in ("_history_user", "_change_reason"):
            team.__dict__.pop(attr, None)


def _team_members_set(team: Team, members) -> None:
    """Membership without a history record of its own: the save that follows records it."""
    team.skip_history_when_saving = True
    try:
        team.members.set(list(members))
    finally:
        del team.skip_history_when_saving


@transaction.atomic
def team_create(*, by, members=(), **fields) -> Team:
    """A new team (delivery managers). Its members are told about its services' incidents."""
    _require_manager(by)
    team = Team(**{k: (v or "").strip() for k, v in fields.items() if k in TEAM_FIELDS})
    _team_clean(team)
    _team_save(team, by=by, reason="created")
    members = list(members or ())
    if members:
        # The created record is made before members can exist; record them once more.
        _team_members_set(team, members)
        _team_save(team, by=by, reason="members")
    return team


@transaction.atomic
def team_update(*, team: Team, by, expected_version=None, **fields) -> Team:
    """Change a team's slug, name, e-mail, webhook or members (delivery managers).

    `expected_version`: the `edit_version` the editor saw (delivery_portal.concurrency); a
    change since then raises ConcurrentEditError. One history record per edit, members included.
    """
    _require_manager(by)
    concurrency.claim(team, expected_version, noun="team")
    team.refresh_from_db()  # the row is locked now (claim): edit its current state
    current = {name: getattr(team, name) for name in TEAM_FIELDS}
    current["members"] = {user.pk for user in team.members.all()}
    wanted = {k: (v or "").strip() for k, v in fields.items() if k in TEAM_FIELDS}
    members = fields.get("members")
    if members is not None:
        wanted["members"] = {user.pk for user in members}
    changed = domain.team_changed_fields(current, wanted)
    if not changed:
        return team
    for name in changed:
        if name != "members":
            setattr(team, name, wanted[name])
    _team_clean(team)
    if "members" in changed:
        _team_members_set(team, members)
    _team_save(team, by=by, reason="edited: " + ", ".join(changed))
    return team


# --- Freezes --------------------------------------------------------------------------------
def _notify_team(service: Service, *, event: str, subject: str, body: str, payload: dict) -> None:
    team = service.team
    notify(
        event=event,
        subject=subject,
        body=body,
        emails=[team.email] if team and team.email else [],
        webhook_urls=[team.webhook_url] if team and team.webhook_url else [],
        url=reverse("sla:service", args=[service.slug]),
        payload={"service": service.slug, "team": team.slug if team else None, **payload},
    )


def _start_freeze(service: Service, *, cause: str, reason: str, at: datetime, by=None) -> Freeze:
    freeze = Freeze.objects.create(service=service, cause=cause, reason=reason, started_at=at, started_by=by)
    Service.objects.filter(pk=service.pk).update(freeze_active=True)
    service.freeze_active = True
    who = by.username if by else "the error-budget recompute"
    _notify_team(
        service,
        event=FREEZE_STARTED,
        subject=f"Deploy freeze on {service.name}",
        body=f"Deployments to {service.name} are frozen (only critical ones go ahead), started by {who}: {reason}",
        payload={"cause": cause, "reason": reason, "started_at": at.isoformat(), "by": by.username if by else None},
    )
    slack_notify.freeze_changed(freeze, imposed=True)
    return freeze


def _end_freeze(freeze: Freeze, *, reason: str, at: datetime, by=None) -> Freeze:
    freeze.ended_at = at
    freeze.ended_by = by
    freeze.end_reason = reason
    freeze.save(update_fields=["ended_at", "ended_by", "end_reason"])
    service = freeze.service
    Service.objects.filter(pk=service.pk).update(freeze_active=False)
    service.freeze_active = False
    who = by.username if by else "the error-budget recompute"
    _notify_team(
        service,
        event=FREEZE_LIFTED,
        subject=f"Deploy freeze lifted on {service.name}",
        body=f"Deployments to {service.name} may go ahead again, freeze lifted by {who}: {reason}",
        payload={"cause": freeze.cause, "reason": reason, "ended_at": at.isoformat(), "by": by.username if by else None},
    )
    slack_notify.freeze_changed(freeze, imposed=False)
    return freeze


def _locked(service: Service) -> Service:
    return Service.objects.select_for_update(of=("self",)).select_related("team").get(pk=service.pk)


@transaction.atomic
def freeze_impose(*, service: Service, by, reason: str, at: datetime | None = None) -> Freeze:
    """A delivery manager freezes deployments to `service` by hand, with a reason.

    A manual freeze stays until a manager lifts it: the recompute never lifts it.
    """
    at = at or timezone.now()
    _require_manager(by)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the service is frozen."})
    service = _locked(service)
    open_freeze = service.freezes.filter(ended_at__isnull=True).first()
    if open_freeze is not None:
        raise ProcessError(
            f"{service.name} is already frozen since {open_freeze.started_at:%Y-%m-%d %H:%M} ({open_freeze.get_cause_display().lower()}).",
            ["the service is already frozen"],
        )
    return _start_freeze(service, cause=Freeze.Cause.MANUAL, reason=reason.strip(), at=at, by=by)


@transaction.atomic
def freeze_lift(*, service: Service, by, reason: str, at: datetime | None = None) -> Freeze:
    """A delivery manager lifts the open freeze (manual or budget), with a reason.

    Lifting a budget freeze by hand is an override: the recompute does not freeze the service
    again for the rest of the current month (see README). A manager can still impose one.
    """
    at = at or timezone.now()
    _require_manager(by)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the freeze is lifted."})
    service = _locked(service)
    open_freeze = service.freezes.filter(ended_at__isnull=True).select_related("service__team").first()
    if open_freeze is None:
        raise ProcessError(f"{service.name} is not frozen.", ["there is no open freeze to lift"])
    open_freeze.service = service
    return _end_freeze(open_freeze, reason=reason.strip(), at=at, by=by)


# --- The recompute --------------------------------------------------------------------------
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
    if budget.status == domain.EXHAUSTED:
        return (
            f"Error budget exhausted: {budget.consumed_minutes} of {budget.budget_minutes} minutes used this "
            f"{budget.period} ({budget.remaining_minutes} left), burn rate {budget.burn_rate}x."
        )
    return (
        f"Error budget burning too fast: burn rate {budget.burn_rate}x (above {domain.FREEZE_BURN_RATE}x), "
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
    period_start = next(iter(budgets.values())).period_start
    freezes = Freeze.objects.all() if service_ids is None else Freeze.objects.filter(service_id__in=[s.pk for s in services])
    open_freezes = {f.service_id: f for f in freezes.filter(ended_at__isnull=True)}
    overridden = set(
        freezes.filter(cause=Freeze.Cause.BUDGET, ended_by__isnull=False, ended_at__gte=period_start).values_list(
            "service_id", flat=True
        )
    )
    for service in services:
        budget = budgets[service.pk]
        open_freeze = open_freezes.get(service.pk)
        wants = budget.status in domain.FREEZE_STATUSES
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
    # History: one snapshot per service and hour, written by the first run of the hour (and
    # again for a service whose freeze changed), so the 59 other runs of the hour write nothing.
    if not snapshots:
        return result
    bucket = _bucket(at)
    have = BudgetSnapshot.objects.filter(period="month", taken_at=bucket)
    if service_ids is not None:
        have = have.filter(service_id__in=[s.pk for s in services])
    have = set(have.values_list("service_id", flat=True))
    changed = set(result.frozen) | set(result.lifted)
    rows = [
        _snapshot_row(s.pk, replace(budgets[s.pk], freeze=s.freeze_active), at)
        for s in services
        if s.pk not in have or s.slug in changed or service_ids is not None
    ]
    result.snapshots = snapshots_store(rows) if rows else 0
    if result.frozen or result.lifted:
        log.info("budget recompute at %s: frozen %s; lifted %s", at, _some(result.frozen), _some(result.lifted))
    return result


def _some(slugs: list[str], shown: int = 10) -> str:
    """A log-sized list: the first few slugs and how many more (a bad hour can freeze hundreds)."""
    more = f" and {len(slugs) - shown} more" if len(slugs) > shown else ""
    return f"{len(slugs)} ({', '.join(slugs[:shown])}{more})" if slugs else "none"


@transaction.atomic
def _budget_freeze_start(service: Service, budget: selectors.ServiceBudget, at: datetime) -> bool:
    locked = _locked(service)
    if locked.freezes.filter(ended_at__isnull=True).exists():
        return False  # someone else got there first
    _start_freeze(locked, cause=Freeze.Cause.BUDGET, reason=_freeze_reason(budget), at=at)
    service.freeze_active = True
    return True


@transaction.atomic
def _budget_freeze_end(service: Service, budget: selectors.ServiceBudget, at: datetime) -> bool:
    locked = _locked(service)
    open_freeze = locked.freezes.filter(ended_at__isnull=True, cause=Freeze.Cause.BUDGET).first()
    if open_freeze is None:
        return False
    open_freeze.service = locked
    _end_freeze(open_freeze, reason=_lift_reason(budget), at=at)
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
