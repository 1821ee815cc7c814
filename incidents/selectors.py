"""Reads of incidents for pages, the API, the dashboard and scripts (bounded queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import domain
from .models import (  # noqa: F401 - OPEN_RANK, SEVERITY_RANK kept importable from here
    LIST_ORDER, OPEN_RANK, SEVERITY_RANK, ActionItem, Incident, IncidentState, PostMortem, TimelineEntry, TimelineKind,
)

# How many timeline entries the incident page shows before "show earlier".
TIMELINE_PAGE = 200


@dataclass(frozen=True)
class Clocks:
    response_due_at: datetime
    resolution_due_at: datetime
    response_breached: bool
    resolution_breached: bool
    next_update_due_at: datetime | None
    update_overdue: bool
    postmortem_due_at: datetime | None
    postmortem_overdue: bool


def with_clock_facts(qs: QuerySet) -> QuerySet:
    """Annotate what the clocks need, so computing them costs no further query.

    The last status update is a correlated subquery (one index probe on
    timeline_incident_kind_idx per row), not a MAX over a join with GROUP BY: PostgreSQL
    evaluates it after ORDER BY/LIMIT, so a page of 50 incidents costs 50 probes whatever the
    size of the timeline table.
    """
    last_update = (
        TimelineEntry.objects.filter(incident=OuterRef("pk"), kind=TimelineKind.STATUS_UPDATE).order_by("-at").values("at")[:1]
    )
    # A subquery too (not a join), so the paginator's COUNT reads the incident table alone.
    pm_completed = PostMortem.objects.filter(incident=OuterRef("pk")).values("completed_at")[:1]
    return qs.annotate(
        last_status_update_at=Subquery(last_update),
        pm_completed_at=Subquery(pm_completed),
    )


def incident_clocks(incident: Incident, *, at: datetime | None = None) -> Clocks:
    at = at or timezone.now()
    if hasattr(incident, "last_status_update_at"):
        last_update = incident.last_status_update_at
    else:
        last_update = incident.timeline.filter(kind=TimelineKind.STATUS_UPDATE).aggregate(m=Max("at"))["m"]
    if hasattr(incident, "pm_completed_at"):
        pm_completed = incident.pm_completed_at
    else:
        pm = getattr(incident, "postmortem", None) if _has_postmortem(incident) else None
        pm_completed = pm.completed_at if pm else None
    next_due = domain.next_update_due_at(
        severity=incident.severity, state=incident.state, triaged_at=incident.acknowledged_at, last_status_update_at=last_update
    )
    return Clocks(
        response_due_at=domain.response_due_at(incident.severity, incident.detected_at),
        resolution_due_at=domain.resolution_due_at(incident.severity, incident.detected_at),
        response_breached=domain.response_breached(
            severity=incident.severity, detected_at=incident.detected_at, acknowledged_at=incident.acknowledged_at, at=at
        ),
        resolution_breached=domain.resolution_breached(
            severity=incident.severity, detected_at=incident.detected_at, resolved_at=incident.resolved_at, at=at
        ),
        next_update_due_at=next_due,
        update_overdue=domain.update_overdue(next_due, at),
        postmortem_due_at=domain.postmortem_due_at(severity=incident.severity, resolved_at=incident.resolved_at),
        postmortem_overdue=domain.postmortem_overdue(
            severity=incident.severity, resolved_at=incident.resolved_at, completed_at=pm_completed, at=at
        ),
    )


def _has_postmortem(incident: Incident) -> bool:
    from .models import PostMortem

    try:
        incident.postmortem  # noqa: B018 - the lookup raises DoesNotExist when there is none
        return True
    except PostMortem.DoesNotExist:
        return False


def incident_queryset() -> QuerySet:
    return with_clock_facts(
        Incident.objects.select_related("commander", "caused_by_change", "caused_by_deployment").prefetch_related("services")
    )


def incident_list(*, open_only=False) -> QuerySet:
    """Open first, then by severity (SEV-1 first), newest detection first (the list's filters:
    incidents.filtersets.IncidentFilterSet).

    Ordered by the very expressions of incident_list_order_idx (models.LIST_ORDER), so the
    first page is an index scan; the clock facts are evaluated for the page's rows only.
    """
    qs = incident_queryset()
    if open_only:
        qs = qs.exclude(state=IncidentState.CLOSED)
    return qs.order_by(*LIST_ORDER)


def attach_clocks(incidents, *, at: datetime | None = None) -> list[Incident]:
    at = at or timezone.now()
    incidents = list(incidents)
    for incident in incidents:
        incident.clocks = incident_clocks(incident, at=at)
    return incidents


def open_incidents(at: datetime | None = None) -> list[Incident]:
    """For the dashboard: incidents not closed, each with `.clocks` (a Clocks), in 2 queries.

    Open means detect, triage, respond, resolve or review. Ordered by severity, then
    newest detection first.
    """
    at = at or timezone.now()
    qs = incident_list(open_only=True)
    return attach_clocks(qs, at=at)


def incident_detail(reference: str, *, with_timeline: bool = True) -> Incident:
    """The incident; with_timeline prefetches its whole timeline (use timeline_page for pages)."""
    qs = incident_queryset()
    if with_timeline:
        qs = qs.prefetch_related(Prefetch("timeline", queryset=TimelineEntry.objects.select_related("author").order_by("at", "id")))
    return qs.get(reference=reference)


def incident_or_404(reference: str) -> Incident:
    """The incident alone (for a service to change), or Http404."""
    return get_object_or_404(Incident, reference=reference)


def incident_postmortem(incident: Incident, *, with_items: bool = False) -> PostMortem | None:
    """Its post-mortem, if one was started; with its action items and their owners."""
    qs = PostMortem.objects.filter(incident=incident)
    if with_items:
        qs = qs.prefetch_related("action_items__owner")
    return qs.first()


def timeline_entries(incident: Incident) -> QuerySet:
    """The whole timeline in time order, with authors (the API pages through it)."""
    return TimelineEntry.objects.filter(incident=incident).select_related("author").order_by("at", "id")


def timeline_entry_or_404(reference: str, entry_id: int) -> TimelineEntry:
    return get_object_or_404(TimelineEntry.objects.select_related("incident", "author"), pk=entry_id, incident__reference=reference)


def timeline_entry_versions(entry: TimelineEntry):
    """The entry's text as it was, newest first (its history records, with who wrote them)."""
    return entry.history.select_related("history_user").order_by("-history_date")


def timeline_page(incident: Incident, *, show_all: bool = False, limit: int = TIMELINE_PAGE) -> tuple[list[TimelineEntry], bool]:
    """The newest `limit` entries in time order (all of them with show_all), and whether earlier ones are hidden.

    One query whatever the timeline's length (it reads limit + 1 rows to know).
    """
    qs = TimelineEntry.objects.filter(incident=incident).select_related("author")
    if show_all:
        return list(qs.order_by("at", "id")), False
    rows = list(qs.order_by("-at", "-id")[: limit + 1])
    return rows[:limit][::-1], len(rows) > limit


# An action item still to do, and one past its due date at `at` (the list's filters and the reminders).
OPEN_ACTION_ITEM = Q(status__in=[ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS])


def overdue_action_item(at: datetime) -> Q:
    return OPEN_ACTION_ITEM & Q(due_date__lt=at.date())


def action_item_or_404(item_id: int) -> ActionItem:
    return get_object_or_404(ActionItem.objects.select_related("postmortem__incident"), pk=item_id)


def action_items(*, overdue_only=False, at=None) -> QuerySet:
    """By due date, with owner and incident (the list's filters: incidents.filtersets.ActionItemFilterSet)."""
    qs = ActionItem.objects.select_related("owner", "postmortem__incident").order_by("due_date", "id")
    if overdue_only:
        qs = qs.filter(overdue_action_item(at or timezone.now()))
    return qs


def overdue_postmortems(*, at: datetime | None = None) -> list[Incident]:
    """SEV-1/2 incidents resolved more than 48 h ago whose post-mortem is not complete."""
    at = at or timezone.now()
    cutoff = at - domain.POSTMORTEM_DEADLINE
    return list(
        Incident.objects.select_related("commander")
        .filter(severity__in=domain.POSTMORTEM_SEVERITIES, resolved_at__lt=cutoff)
        .filter(Q(postmortem__isnull=True) | Q(postmortem__completed_at__isnull=True))
        .order_by("resolved_at")
    )
