"""Time windows of changes, freezes and blackouts, and which of them collide.

A change's window conflicts with another active change on a shared service whose window
overlaps, a deploy freeze of one of its services (open now, or overlapping the window), a
service frozen because its error budget is spent, or a blackout window (organisation-wide
or of one of its services) overlapping the window. The selectors read the candidates from
the database; the matching is here, on plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


def overlaps(a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None) -> bool:
    """Half-open intervals [start, end) overlap; an end of None is open-ended."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


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


@dataclass(frozen=True)
class ChangeWindow:
    """A change (or a proposed one) as the matching sees it: its window and its services' slugs."""

    pk: int
    starts_at: datetime | None
    ends_at: datetime | None
    services: tuple[str, ...]  # in the order the change lists them
    reference: str = ""
    state: str = ""

    @property
    def has_window(self) -> bool:
        return bool(self.starts_at and self.ends_at)


@dataclass(frozen=True)
class FreezeSpan:
    service: str  # slug
    started_at: datetime
    ended_at: datetime | None  # None: still frozen


@dataclass(frozen=True)
class BlackoutSpan:
    title: str
    starts_at: datetime
    ends_at: datetime
    services: tuple[str, ...] = ()  # slugs; none: organisation-wide


def _fmt(dt):
    return f"{dt:%Y-%m-%d %H:%M}" if dt else "open-ended"


def freeze_conflicts(change: ChangeWindow, freezes: Iterable[FreezeSpan], budget_frozen: Iterable[str]) -> list[Conflict]:
    """Deploy freezes of the change's services that are open (whatever the window: a frozen
    service takes no changes until thawed) or overlap its window, then its services frozen by
    their error budget (`budget_frozen`, slugs) without an open freeze row."""
    mine = set(change.services)
    freezes = list(freezes)
    found = []
    for freeze in freezes:
        if freeze.service not in mine:
            continue
        if freeze.ended_at is None:
            detail = f"Service {freeze.service} is under a deploy freeze since {_fmt(freeze.started_at)} UTC."
        elif change.has_window and overlaps(change.starts_at, change.ends_at, freeze.started_at, freeze.ended_at):
            detail = (
                f"Service {freeze.service} has a deploy freeze {_fmt(freeze.started_at)}–"
                f"{_fmt(freeze.ended_at)} UTC overlapping the window."
            )
        else:
            continue
        found.append(Conflict("freeze", detail, freeze.started_at, freeze.ended_at, service=freeze.service))
    open_frozen = {f.service for f in freezes if f.ended_at is None}
    budget_frozen = set(budget_frozen)
    for slug in change.services:
        if slug in budget_frozen and slug not in open_frozen:
            found.append(Conflict("freeze", f"Service {slug} is frozen (error budget).", None, None, service=slug))
    return found


def change_collisions(change: ChangeWindow, others: Iterable[ChangeWindow]) -> list[Conflict]:
    """Other changes on a shared service whose windows overlap the change's window."""
    if not change.has_window:
        return []
    mine = set(change.services)
    found = []
    for other in others:
        if other.pk == change.pk or not overlaps(change.starts_at, change.ends_at, other.starts_at, other.ends_at):
            continue
        shared = sorted(slug for slug in other.services if slug in mine)
        if shared:
            found.append(
                Conflict(
                    "change",
                    f"{other.reference} ({other.state}) on {', '.join(shared)} has an overlapping window "
                    f"{_fmt(other.starts_at)}–{_fmt(other.ends_at)} UTC.",
                    other.starts_at,
                    other.ends_at,
                    reference=other.reference,
                    service=shared[0],
                )
            )
    return found


def blackout_collisions(change: ChangeWindow, blackouts: Iterable[BlackoutSpan]) -> list[Conflict]:
    """Blackout windows overlapping the change's window: organisation-wide ones, and those of
    one of its services."""
    if not change.has_window:
        return []
    mine = set(change.services)
    found = []
    for blackout in blackouts:
        if not overlaps(change.starts_at, change.ends_at, blackout.starts_at, blackout.ends_at):
            continue
        hit = sorted(slug for slug in blackout.services if slug in mine)
        if blackout.services and not hit:
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
    return found


def find_conflicts(
    change: ChangeWindow,
    *,
    freezes: Iterable[FreezeSpan] = (),
    budget_frozen: Iterable[str] = (),
    others: Iterable[ChangeWindow] = (),
    blackouts: Iterable[BlackoutSpan] = (),
) -> list[Conflict]:
    """Everything that collides with the change's window: freezes, then other changes, then
    blackout windows (the order the pages list them in)."""
    return [
        *freeze_conflicts(change, freezes, budget_frozen),
        *change_collisions(change, others),
        *blackout_collisions(change, blackouts),
    ]
