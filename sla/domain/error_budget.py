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
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Iterable

from .intervals import Span, Window, clip, counted_spans, subtract, total, union
from .periods import HUNDRED, as_utc, budget_minutes, check_target, minutes, period_bounds

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


def status_for(remaining: Decimal, burn_rate: Decimal) -> str:
    if remaining <= 0:
        return EXHAUSTED
    if burn_rate > FREEZE_BURN_RATE:
        return FROZEN
    if burn_rate > AT_RISK_BURN_RATE:
        return AT_RISK
    return ON_TRACK


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
    at = as_utc(at)
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
    for window in sorted(impacts, key=lambda w: (as_utc(w.start), w.ref)):
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
    for window in sorted(maintenance, key=lambda w: as_utc(w.start)):
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
    at = as_utc(at)
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
