"""What collides with a change's window: other changes, deploy freezes, blackout windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from sla.models import Freeze, Service

from ..domain.conflicts import overlaps
from ..models import BlackoutWindow, ChangeRequest, ChangeState

# Changes whose windows still claim a slot on the calendar (others cannot collide).
ACTIVE_STATES = (ChangeState.SUBMITTED, ChangeState.APPROVED, ChangeState.SCHEDULED, ChangeState.IMPLEMENTING)


@dataclass(frozen=True)
class Conflict:
    kind: str  # change | freeze | blackout
    detail: str
    starts_at: datetime | None
    ends_at: datetime | None
    reference: str = ""  # the other change
    service: str = ""  # a slug, when one service is concerned

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "detail": self.detail,
            "reference": self.reference or None,
            "service": self.service or None,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
        }


def _fmt(dt):
    return f"{dt:%Y-%m-%d %H:%M}" if dt else "open-ended"


def conflicts_for_changes(changes) -> dict[int, list[Conflict]]:
    """Conflicts of each change's window, in a fixed number of queries whatever the count.

    `changes` should have `services` prefetched. A conflict is another active change on a
    shared service whose window overlaps, a deploy freeze of one of its services (open
    now, or overlapping the window), or a blackout window (organisation-wide or of one of
    its services) overlapping the window.
    """
    changes = [c for c in changes]
    result: dict[int, list[Conflict]] = {c.pk: [] for c in changes}
    windowed = [c for c in changes if c.window_start and c.window_end]
    services_of = {c.pk: {s.pk: s for s in c.services.all()} for c in changes}
    all_service_ids = {sid for c in changes for sid in services_of[c.pk]}
    # Open freezes count whatever the window: a frozen service takes no changes until thawed.
    freezes = list(
        Freeze.objects.filter(service_id__in=all_service_ids)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=min((c.window_start for c in windowed), default=timezone.now())))
        .select_related("service")
    )
    frozen_flags = {
        s.pk: s for c in changes for s in services_of[c.pk].values() if s.freeze_active
    }
    if windowed:
        lo = min(c.window_start for c in windowed)
        hi = max(c.window_end for c in windowed)
        others = list(
            ChangeRequest.objects.filter(state__in=ACTIVE_STATES, services__in=all_service_ids)
            .filter(window_start__lt=hi, window_end__gt=lo)
            .distinct()
            .prefetch_related(Prefetch("services", queryset=Service.objects.only("pk", "slug")))
        )
        blackouts = list(
            BlackoutWindow.objects.filter(starts_at__lt=hi, ends_at__gt=lo).prefetch_related(
                Prefetch("services", queryset=Service.objects.only("pk", "slug"))
            )
        )
    else:
        others, blackouts = [], []
    for change in changes:
        mine = services_of[change.pk]
        found = result[change.pk]
        start, end = change.window_start, change.window_end
        has_window = bool(start and end)
        for freeze in freezes:
            if freeze.service_id not in mine:
                continue
            if freeze.ended_at is None or (has_window and overlaps(start, end, freeze.started_at, freeze.ended_at)):
                if freeze.ended_at is None:
                    detail = f"Service {freeze.service.slug} is under a deploy freeze since {_fmt(freeze.started_at)} UTC."
                else:
                    detail = (
                        f"Service {freeze.service.slug} has a deploy freeze {_fmt(freeze.started_at)}–"
                        f"{_fmt(freeze.ended_at)} UTC overlapping the window."
                    )
                found.append(Conflict("freeze", detail, freeze.started_at, freeze.ended_at, service=freeze.service.slug))
        open_frozen = {f.service_id for f in freezes if f.ended_at is None}
        for sid, service in mine.items():
            if sid in frozen_flags and sid not in open_frozen:
                found.append(Conflict("freeze", f"Service {service.slug} is frozen (error budget).", None, None, service=service.slug))
        if not has_window:
            continue
        for other in others:
            if other.pk == change.pk or not overlaps(start, end, other.window_start, other.window_end):
                continue
            shared = sorted(s.slug for s in other.services.all() if s.pk in mine)
            if shared:
                found.append(
                    Conflict(
                        "change",
                        f"{other.reference} ({other.state}) on {', '.join(shared)} has an overlapping window "
                        f"{_fmt(other.window_start)}–{_fmt(other.window_end)} UTC.",
                        other.window_start,
                        other.window_end,
                        reference=other.reference,
                        service=shared[0],
                    )
                )
        for blackout in blackouts:
            if not overlaps(start, end, blackout.starts_at, blackout.ends_at):
                continue
            scope = [s.slug for s in blackout.services.all()]
            hit = sorted(s for s in scope if any(m.slug == s for m in mine.values()))
            if scope and not hit:
                continue
            where = f"for {', '.join(hit)}" if hit else "organisation-wide"
            found.append(
                Conflict(
                    "blackout",
                    f"Blackout window {blackout.title!r} {where}, {_fmt(blackout.starts_at)}–{_fmt(blackout.ends_at)} UTC.",
                    blackout.starts_at,
                    blackout.ends_at,
                    service=hit[0] if hit else "",
                )
            )
    return result


def change_conflicts(change: ChangeRequest) -> list[Conflict]:
    return conflicts_for_changes([change])[change.pk]


class _Services(list):
    def all(self):
        return self


@dataclass
class _Proposed:
    pk: int
    window_start: datetime | None
    window_end: datetime | None
    services: _Services


def window_conflicts(*, window_start, window_end, services, exclude_pk=None) -> list[Conflict]:
    """Conflicts of a proposed window on `services` (the request form checks it as you type)."""
    proposed = _Proposed(exclude_pk or -1, window_start, window_end, _Services(services))
    return conflicts_for_changes([proposed])[proposed.pk]
