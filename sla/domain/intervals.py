"""Spans of time: impact and maintenance windows, clipped, merged and subtracted. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from .periods import as_utc


@dataclass(frozen=True)
class Window:
    """A span of time: customer impact (end None = still going on) or maintenance."""

    start: datetime
    end: datetime | None = None
    ref: str = ""
    title: str = ""


Span = tuple[datetime, datetime]


def clip(window: Window, lo: datetime, hi: datetime) -> Span | None:
    """The part of `window` inside [lo, hi]; an open window runs to `hi`."""
    start = max(as_utc(window.start), lo)
    end = min(as_utc(window.end) if window.end is not None else hi, hi)
    return (start, end) if end > start else None


def union(spans: Iterable[Span]) -> list[Span]:
    """Merge overlapping or touching spans; sorted, disjoint."""
    merged: list[list[datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """`spans` minus `holes` (both sorted and disjoint, as union() returns them)."""
    result = []
    for start, end in spans:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def total(spans: Iterable[Span]) -> timedelta:
    return sum((end - start for start, end in spans), timedelta(0))


def counted_spans(impacts: Iterable[Window], maintenance: Iterable[Window], lo: datetime, hi: datetime) -> list[Span]:
    """The spans that consume budget inside [lo, hi]: impact union minus maintenance."""
    impact = union(s for s in (clip(w, lo, hi) for w in impacts) if s)
    holes = union(s for s in (clip(w, lo, hi) for w in maintenance if w.end is not None) if s)
    return subtract(impact, holes)
