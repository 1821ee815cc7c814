"""Time windows of changes, freezes and blackouts, and which of them collide."""

from __future__ import annotations

from datetime import datetime


def overlaps(a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None) -> bool:
    """Half-open intervals [start, end) overlap; an end of None is open-ended."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)
