"""Laying calendar items out on the days of the month and week grids.

A large organisation has some 35 change windows a day and, on a bad day, a hundred services
under a deploy freeze. A month grid that listed all of it would be half a megabyte of HTML that
nobody can read (and 130 ms to render). So each day cell:

- lists blackout windows first (they forbid everything), then change windows by start;
- folds the deploy freezes into one line ("12 services frozen") when there are more than
  `fold_freezes_above` of them, and lists them otherwise;
- in the month grid, lists at most `limit` items and says how many more there are, with a
  link to the week of that day, which lists every change.

Items are bucketed by the days they cover (one pass over the items, each spread over its own
days), not by testing every item against every day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

# Order inside a cell: what forbids work first.
KIND_ORDER = {"blackout": 0, "change": 1, "freeze": 2}
MONTH_LIMIT = 6  # items listed in a month cell before "+N more"
MONTH_FOLD_FREEZES_ABOVE = 2
WEEK_FOLD_FREEZES_ABOVE = 10


@dataclass
class DayCell:
    day: date
    in_month: bool
    today: bool
    items: list = field(default_factory=list)  # shown in the cell
    more: int = 0  # items of the day not listed (month grid)
    frozen: int = 0  # freezes folded into one line


def _day_span(item, first: date, last: date, tz) -> tuple[date, date] | None:
    """The days in [first, last] that the item's half-open window [start, end) touches."""
    start = max(first, item.starts_at.astimezone(tz).date())
    if item.ends_at is None:
        end = last
    else:
        # A window ending at midnight does not touch the day that starts then.
        end = min(last, (item.ends_at - timedelta(microseconds=1)).astimezone(tz).date())
    return (start, end) if start <= end else None


def bucket_by_day(items, days: list[date]) -> dict[date, list]:
    """Each day of `days` (consecutive) -> the items overlapping it, in cell order."""
    by_day: dict[date, list] = {d: [] for d in days}
    if not days:
        return by_day
    first, last, tz = days[0], days[-1], timezone.get_current_timezone()
    for item in sorted(items, key=lambda i: (KIND_ORDER.get(i.kind, 9), i.starts_at)):
        span = _day_span(item, first, last, tz)
        if span is None:
            continue
        d = span[0]
        while d <= span[1]:
            by_day[d].append(item)
            d += timedelta(days=1)
    return by_day


def day_cell(day: date, items: list, *, in_month: bool, today: date, limit: int | None, fold_freezes_above: int) -> DayCell:
    freezes = [i for i in items if i.kind == "freeze"]
    listed = [i for i in items if i.kind != "freeze"]
    cell = DayCell(day=day, in_month=in_month, today=day == today)
    if len(freezes) > fold_freezes_above:
        cell.frozen = len(freezes)
    else:
        listed += freezes
    if limit is not None and len(listed) > limit:
        cell.more = len(listed) - limit
        listed = listed[:limit]
    cell.items = listed
    return cell


def grid(items, weeks: list[list[date]], *, month: int | None, today: date) -> list[list[DayCell]]:
    """The cells of a month grid (`month` set: capped cells) or of a week (`month` None)."""
    days = [d for week in weeks for d in week]
    by_day = bucket_by_day(items, days)
    limit = MONTH_LIMIT if month is not None else None
    fold = MONTH_FOLD_FREEZES_ABOVE if month is not None else WEEK_FOLD_FREEZES_ABOVE
    return [
        [
            day_cell(d, by_day[d], in_month=month is None or d.month == month, today=today, limit=limit, fold_freezes_above=fold)
            for d in week
        ]
        for week in weeks
    ]
