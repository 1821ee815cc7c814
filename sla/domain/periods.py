"""Calendar periods, the budget's size and the units the arithmetic works in (minutes as
Decimal). Pure Python; see sla.domain.error_budget for the rules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal

PERIOD_HOURS = {"month": 730, "quarter": 2190, "year": 8760}
PERIODS = tuple(PERIOD_HOURS)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
_MICROSECONDS_PER_MINUTE = Decimal(60_000_000)


class BudgetInputError(ValueError):
    """Input the arithmetic cannot work with (unknown period, target out of range)."""


def minutes(duration: timedelta) -> Decimal:
    """A duration as exact Decimal minutes."""
    return Decimal(duration // timedelta(microseconds=1)) / _MICROSECONDS_PER_MINUTE


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise BudgetInputError("Times must be timezone-aware.")
    return value.astimezone(dt_timezone.utc)


def check_target(target: Decimal) -> Decimal:
    target = Decimal(target)
    if not (Decimal(0) < target < HUNDRED):
        raise BudgetInputError("The SLA target must be above 0 and below 100 (e.g. 99.9).")
    return target


def period_bounds(period: str, at: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the calendar period containing `at`, in UTC, cut at midnight in `tz`."""
    if period not in PERIOD_HOURS:
        raise BudgetInputError(f"Unknown period {period!r}: use month, quarter or year.")
    local = as_utc(at).astimezone(tz)
    if period == "month":
        first_month, months = local.month, 1
    elif period == "quarter":
        first_month, months = 3 * ((local.month - 1) // 3) + 1, 3
    else:
        first_month, months = 1, 12
    start_local = datetime(local.year, first_month, 1, tzinfo=tz)
    end_year, end_month = divmod(first_month - 1 + months, 12)
    end_local = datetime(local.year + end_year, end_month + 1, 1, tzinfo=tz)
    return as_utc(start_local), as_utc(end_local)


def budget_minutes(target: Decimal, period: str) -> Decimal:
    """(1 - target) x the nominal period length, in minutes: 99.9% of a month is 43.8."""
    target = check_target(target)
    if period not in PERIOD_HOURS:
        raise BudgetInputError(f"Unknown period {period!r}: use month, quarter or year.")
    return (HUNDRED - target) / HUNDRED * PERIOD_HOURS[period] * 60
