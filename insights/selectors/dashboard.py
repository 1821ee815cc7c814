"""The home dashboard's panels: what needs attention now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.utils import timezone

from changes.selectors.approvers import changes_awaiting
from delivery_portal import roles
from deployments.models import Deployment, DeploymentState
from incidents import selectors as incidents_selectors
from incidents.domain import ACTIVE_STATES as OPEN_INCIDENT_STATES, SEVERITIES  # detect, triage, respond
from incidents.models import Incident, TimelineEntry, TimelineKind
from releases import selectors as releases_selectors
from releases.models import Release
from sla import selectors as sla_selectors
from sla.models import Service

from ..domain.dora import DoraMetrics
from .dora import default_range, dora_for_range


ACTIVE_DEPLOYMENT_STATES = [DeploymentState.RUNNING, DeploymentState.PAUSED, DeploymentState.HOLDING]


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
    qs = changes_awaiting(user)
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


def dora_tiles(*, at: datetime | None = None) -> DoraMetrics:
    start, end = default_range(at)
    return dora_for_range(start=start, end=end)
