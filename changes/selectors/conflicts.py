"""What collides with a change's window: the candidates (other changes, deploy freezes,
blackout windows) read from the database; the matching is changes/domain/conflicts.py."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone

from sla.models import Service
from sla.selectors import freezes_overlapping

from ..domain.conflicts import BlackoutSpan, ChangeWindow, Conflict, FreezeSpan, find_conflicts
from ..models import BlackoutWindow, ChangeRequest, ChangeState

# Changes whose windows still claim a slot on the calendar (others cannot collide).
ACTIVE_STATES = (ChangeState.SUBMITTED, ChangeState.APPROVED, ChangeState.SCHEDULED, ChangeState.IMPLEMENTING)


def conflicts_for_changes(changes) -> dict[int, list[Conflict]]:
    """Conflicts of each change's window, in a fixed number of queries whatever the count.

    `changes` should have `services` prefetched. What counts as a conflict is
    changes/domain/conflicts.py's rule.
    """
    windows, service_ids, budget_frozen = [], set(), set()
    for change in changes:
        services = list(change.services.all())
        windows.append(_window(change, services))
        service_ids.update(s.pk for s in services)
        budget_frozen.update(s.slug for s in services if s.freeze_active)
    return _conflicts(windows, service_ids, budget_frozen)


def change_conflicts(change: ChangeRequest) -> list[Conflict]:
    return conflicts_for_changes([change])[change.pk]


def window_conflicts(*, window_start, window_end, services, exclude_pk=None) -> list[Conflict]:
    """Conflicts of a proposed window on `services` (the request form checks it as you type)."""
    services = list(services)
    proposed = ChangeWindow(exclude_pk or -1, window_start, window_end, tuple(s.slug for s in services))
    budget_frozen = {s.slug for s in services if s.freeze_active}
    return _conflicts([proposed], {s.pk for s in services}, budget_frozen)[proposed.pk]


def _window(change, services) -> ChangeWindow:
    return ChangeWindow(
        change.pk, change.window_start, change.window_end, tuple(s.slug for s in services),
        reference=getattr(change, "reference", ""), state=getattr(change, "state", ""),
    )


def _conflicts(windows: list[ChangeWindow], service_ids: set[int], budget_frozen: set[str]) -> dict[int, list[Conflict]]:
    """Three queries: the freezes of the services, and (when any window is set) the other
    active changes and the blackout windows overlapping the span of all the windows."""
    windowed = [w for w in windows if w.has_window]
    freezes = _freezes(service_ids, since=min((w.starts_at for w in windowed), default=timezone.now()))
    others, blackouts = [], []
    if windowed:
        lo, hi = min(w.starts_at for w in windowed), max(w.ends_at for w in windowed)
        others = _active_changes(service_ids, lo, hi)
        blackouts = _blackouts(lo, hi)
    return {
        window.pk: find_conflicts(window, freezes=freezes, budget_frozen=budget_frozen, others=others, blackouts=blackouts)
        for window in windows
    }


def _freezes(service_ids, *, since) -> list[FreezeSpan]:
    """Freezes of the services that are open, or ended after `since`."""
    rows = (
        freezes_overlapping(start=since, service_ids=service_ids)
        .values_list("service__slug", "started_at", "ended_at")
    )
    return [FreezeSpan(slug, started, ended) for slug, started, ended in rows]


_SLUGS = Prefetch("services", queryset=Service.objects.only("pk", "slug"))


def _active_changes(service_ids, lo, hi) -> list[ChangeWindow]:
    """Active changes on any of the services whose windows overlap [lo, hi)."""
    changes = (
        ChangeRequest.objects.filter(state__in=ACTIVE_STATES, services__in=service_ids)
        .filter(window_start__lt=hi, window_end__gt=lo)
        .distinct()
        .prefetch_related(_SLUGS)
    )
    return [_window(change, change.services.all()) for change in changes]


def _blackouts(lo, hi) -> list[BlackoutSpan]:
    blackouts = BlackoutWindow.objects.filter(starts_at__lt=hi, ends_at__gt=lo).prefetch_related(_SLUGS)
    return [BlackoutSpan(b.title, b.starts_at, b.ends_at, tuple(s.slug for s in b.services.all())) for b in blackouts]
