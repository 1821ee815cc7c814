"""Error-budget arithmetic. Pure Python: no ORM, no I/O, no clock (every function takes `at`).

Rules (delivery handbook, issue 3):

- Periods are calendar periods in the portal's time zone: the 1st of the month 00:00 to the
  next 1st; quarters start in January, April, July and October; years on 1 January.
- Budget = (1 - target) x the period's *nominal* length: a month is 730 h, a quarter
  2,190 h, a year 8,760 h, whatever the calendar says (so every month has the same budget:
  99.9% gives 43.8 minutes).
- Consumed = minutes of the union of the counting impact windows, clipped to
  [period start, at] (an open window runs to `at`), minus every minute inside a maintenance
  window. Overlapping incidents count once.
- Remaining = budget - consumed (may go below zero); remaining % = remaining / budget x 100.
- Burn rate = (consumed / budget) / elapsed part of the period.

  **Elapsed part of the period** is measured on the *calendar*: (at - period start) /
  (period end - period start), with real durations (a 31-day month, a DST day of 23 h).
  The nominal 730 h only sizes the budget. So "57% of the month gone" means 57% of this
  calendar month, and a burn rate of 1.0x is exactly the pace that spends the whole budget
  by the end of the calendar period, whatever its length. (Using 730 h for the elapsed part
  too would make a 31-day month end at 102% elapsed and a February at 92%.)
- Status: `exhausted` when remaining <= 0, else `frozen` when the burn rate is above 1.5,
  else `at_risk` above 1.0, else `on_track`. Decided on exact values; rounding happens only
  where numbers leave the system (API, pages, reports): minutes, percent and burn rate to
  two decimals.
- Multi-window burn rates (SRE workbook): for each look-back window w (1 h, 6 h, 3 d),
  burn = (impact minutes in [at - w, at], minus maintenance) / (w x (1 - target)); the
  window alerts when its burn reaches its threshold (14.4x, 6x, 1x). The windows look back
  across period boundaries on purpose: they measure pace, not the period's account.

Durations stay `timedelta` (exact to the microsecond) until they become minutes, which are
`Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone as dt_timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

PERIOD_HOURS = {"month": 730, "quarter": 2190, "year": 8760}
PERIODS = tuple(PERIOD_HOURS)

ON_TRACK = "on_track"
AT_RISK = "at_risk"
FROZEN = "frozen"
EXHAUSTED = "exhausted"
STATUSES = (ON_TRACK, AT_RISK, FROZEN, EXHAUSTED)
STATUS_LABELS = {ON_TRACK: "on track", AT_RISK: "at risk", FROZEN: "frozen", EXHAUSTED: "exhausted"}
# Statuses that mean a deploy freeze.
FREEZE_STATUSES = (FROZEN, EXHAUSTED)
FREEZE_BURN_RATE = Decimal("1.5")
AT_RISK_BURN_RATE = Decimal("1.0")

# (label, look-back window, burn-rate threshold) from the SRE workbook.
BURN_WINDOWS = (
    ("1h", timedelta(hours=1), Decimal("14.4")),
    ("6h", timedelta(hours=6), Decimal("6")),
    ("3d", timedelta(days=3), Decimal("1")),
)
LONGEST_BURN_WINDOW = max(w for _, w, _ in BURN_WINDOWS)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
_MICROSECONDS_PER_MINUTE = Decimal(60_000_000)


class BudgetInputError(ValueError):
    """Input the arithmetic cannot work with (unknown period, target out of range)."""


# --- Small helpers ----------------------------------------------------------------------
def minutes(duration: timedelta) -> Decimal:
    """A duration as exact Decimal minutes."""
    return Decimal(duration // timedelta(microseconds=1)) / _MICROSECONDS_PER_MINUTE


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise BudgetInputError("Times must be timezone-aware.")
    return value.astimezone(dt_timezone.utc)


def check_target(target: Decimal) -> Decimal:
    target = Decimal(target)
    if not (Decimal(0) < target < HUNDRED):
        raise BudgetInputError("The SLA target must be above 0 and below 100 (e.g. 99.9).")
    return target


# --- Periods ----------------------------------------------------------------------------
def period_bounds(period: str, at: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the calendar period containing `at`, in UTC, cut at midnight in `tz`."""
    if period not in PERIOD_HOURS:
        raise BudgetInputError(f"Unknown period {period!r}: use month, quarter or year.")
    local = _utc(at).astimezone(tz)
    if period == "month":
        first_month, months = local.month, 1
    elif period == "quarter":
        first_month, months = 3 * ((local.month - 1) // 3) + 1, 3
    else:
        first_month, months = 1, 12
    start_local = datetime(local.year, first_month, 1, tzinfo=tz)
    end_year, end_month = divmod(first_month - 1 + months, 12)
    end_local = datetime(local.year + end_year, end_month + 1, 1, tzinfo=tz)
    return _utc(start_local), _utc(end_local)


def budget_minutes(target: Decimal, period: str) -> Decimal:
    """(1 - target) x the nominal period length, in minutes: 99.9% of a month is 43.8."""
    target = check_target(target)
    if period not in PERIOD_HOURS:
        raise BudgetInputError(f"Unknown period {period!r}: use month, quarter or year.")
    return (HUNDRED - target) / HUNDRED * PERIOD_HOURS[period] * 60


def status_for(remaining: Decimal, burn_rate: Decimal) -> str:
    if remaining <= 0:
        return EXHAUSTED
    if burn_rate > FREEZE_BURN_RATE:
        return FROZEN
    if burn_rate > AT_RISK_BURN_RATE:
        return AT_RISK
    return ON_TRACK


# --- Intervals --------------------------------------------------------------------------
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
    start = max(_utc(window.start), lo)
    end = min(_utc(window.end) if window.end is not None else hi, hi)
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


# --- Results ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ImpactLine:
    """One impact window's share of the period: its own minutes and what it added."""

    window: Window
    own_minutes: Decimal  # its clipped minutes, minus maintenance
    counted_minutes: Decimal  # what it added to the total (overlap with earlier windows counted once)


@dataclass(frozen=True)
class MaintenanceLine:
    window: Window
    window_minutes: Decimal  # length of the window inside [period start, period end]
    excluded_minutes: Decimal  # impact minutes it took out of the budget up to `at`


@dataclass(frozen=True)
class BurnWindow:
    label: str
    window: timedelta
    threshold: Decimal
    consumed_minutes: Decimal
    burn_rate: Decimal

    @property
    def alerting(self) -> bool:
        return self.burn_rate >= self.threshold


@dataclass(frozen=True)
class Budget:
    """The exact account of one service for one period at one moment."""

    period: str
    at: datetime
    period_start: datetime
    period_end: datetime
    sla_target: Decimal
    budget_minutes: Decimal
    consumed_minutes: Decimal
    elapsed_fraction: Decimal
    impacts: tuple[ImpactLine, ...] = field(default=())
    maintenance: tuple[MaintenanceLine, ...] = field(default=())
    burn_windows: tuple[BurnWindow, ...] = field(default=())

    @property
    def remaining_minutes(self) -> Decimal:
        return self.budget_minutes - self.consumed_minutes

    @property
    def remaining_percent(self) -> Decimal:
        return self.remaining_minutes / self.budget_minutes * HUNDRED

    @property
    def burn_rate(self) -> Decimal:
        if self.consumed_minutes == 0:
            return Decimal(0)
        if self.elapsed_fraction == 0:  # cannot happen: nothing is consumed at the start
            return Decimal(0)
        return (self.consumed_minutes / self.budget_minutes) / self.elapsed_fraction

    @property
    def status(self) -> str:
        return status_for(self.remaining_minutes, self.burn_rate)

    @property
    def wants_freeze(self) -> bool:
        return self.status in FREEZE_STATUSES

    @property
    def alerting_windows(self) -> list[BurnWindow]:
        return [w for w in self.burn_windows if w.alerting]


def compute_budget(
    *,
    target: Decimal,
    period: str,
    at: datetime,
    tz: tzinfo,
    impacts: Iterable[Window],
    maintenance: Iterable[Window] = (),
    detail: bool = True,
) -> Budget:
    """The budget of one service. `impacts` are the windows that count against the SLA.

    With `detail` the result also lists each impact and maintenance window's share and the
    multi-window burn rates; without it (the bulk recompute) only the totals are worked out.
    """
    target = check_target(target)
    at = _utc(at)
    start, end = period_bounds(period, at, tz)
    impacts = list(impacts)
    maintenance = [w for w in maintenance if w.end is not None]
    budget = budget_minutes(target, period)
    consumed_spans = counted_spans(impacts, maintenance, start, at)
    consumed = minutes(total(consumed_spans))
    elapsed = Decimal((at - start) // timedelta(microseconds=1)) / Decimal((end - start) // timedelta(microseconds=1))
    result = Budget(
        period=period,
        at=at,
        period_start=start,
        period_end=end,
        sla_target=target,
        budget_minutes=budget,
        consumed_minutes=consumed,
        elapsed_fraction=elapsed,
    )
    if not detail:
        return result
    return replace(
        result,
        impacts=tuple(_impact_lines(impacts, maintenance, start, at)),
        maintenance=tuple(_maintenance_lines(impacts, maintenance, start, end, at)),
        burn_windows=tuple(burn_windows(target=target, at=at, impacts=impacts, maintenance=maintenance)),
    )


def _impact_lines(impacts, maintenance, start, at) -> list[ImpactLine]:
    holes = union(s for s in (clip(w, start, at) for w in maintenance) if s)
    covered: list[Span] = []
    lines = []
    for window in sorted(impacts, key=lambda w: (_utc(w.start), w.ref)):
        span = clip(window, start, at)
        own = subtract([span], holes) if span else []
        new = subtract(own, covered)
        covered = union([*covered, *own])
        if span is not None:
            lines.append(ImpactLine(window=window, own_minutes=minutes(total(own)), counted_minutes=minutes(total(new))))
    return lines


def _maintenance_lines(impacts, maintenance, start, end, at) -> list[MaintenanceLine]:
    impact = union(s for s in (clip(w, start, at) for w in impacts) if s)
    lines = []
    for window in sorted(maintenance, key=lambda w: _utc(w.start)):
        in_period = clip(window, start, end)
        if in_period is None:
            continue
        up_to_at = clip(window, start, at)
        excluded = total(subtract(impact, subtract(impact, [up_to_at]))) if up_to_at else timedelta(0)
        lines.append(
            MaintenanceLine(window=window, window_minutes=minutes(in_period[1] - in_period[0]), excluded_minutes=minutes(excluded))
        )
    return lines


def burn_windows(*, target: Decimal, at: datetime, impacts: Iterable[Window], maintenance: Iterable[Window]) -> list[BurnWindow]:
    """Burn rate over each look-back window (1 h, 6 h, 3 d), against its alert threshold."""
    target = check_target(target)
    at = _utc(at)
    impacts, maintenance = list(impacts), list(maintenance)
    allowed_fraction = (HUNDRED - target) / HUNDRED
    result = []
    for label, window, threshold in BURN_WINDOWS:
        consumed = minutes(total(counted_spans(impacts, maintenance, at - window, at)))
        rate = consumed / (minutes(window) * allowed_fraction)
        result.append(BurnWindow(label=label, window=window, threshold=threshold, consumed_minutes=consumed, burn_rate=rate))
    return result


def consumption_curve(budget: Budget, impacts: Iterable[Window], maintenance: Iterable[Window]) -> list[tuple[datetime, Decimal]]:
    """(time, consumed minutes) at every point where the pace changes, from period start to `at`.

    Consumption is piecewise linear between impact and maintenance boundaries, so these
    points draw the exact curve (the actual line of the burn-down chart).
    """
    spans = counted_spans(impacts, maintenance, budget.period_start, budget.at)
    points = [(budget.period_start, Decimal(0))]
    consumed = timedelta(0)
    for start, end in spans:
        points.append((start, minutes(consumed)))
        consumed += end - start
        points.append((end, minutes(consumed)))
    if points[-1][0] < budget.at:
        points.append((budget.at, minutes(consumed)))
    return points


# --- Teams ------------------------------------------------------------------------------------
# A team's slug is its address (API, `?team=` filters, tools): unique, and said so in words.
# "add" is the address of the page that creates a team (/sla/teams/add/).
RESERVED_TEAM_SLUGS = frozenset({"add"})


def team_slug_taken(slug: str) -> str:
    return f"A team with the slug \"{slug}\" already exists: choose another slug."


def team_slug_problem(slug: str, *, taken: bool) -> str | None:
    """Why `slug` cannot be a team's slug (None when it can)."""
    if slug in RESERVED_TEAM_SLUGS:
        return f"\"{slug}\" is reserved (a page of the portal): choose another slug."
    if taken:
        return team_slug_taken(slug)
    return None


def team_changed_fields(current: dict, wanted: dict) -> list[str]:
    """The names of the fields whose wanted value differs from the current one (members as sets)."""
    changed = []
    for name, value in wanted.items():
        old = current.get(name)
        if name == "members":
            old, value = set(old or ()), set(value or ())
        if old != value:
            changed.append(name)
    return changed
