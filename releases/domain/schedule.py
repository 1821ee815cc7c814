"""The T-dates of a release's communication plan, pure.

- **T-dates count business days** (Monday to Friday): the go/no-go (T-1) and the scope
  freeze (T-7) are meetings, and a T-1 on a Sunday helps nobody. T-0 is the target date
  itself; T-1 of a Monday release is the Friday before; T+1 of a Friday release is the
  Monday after.
- **Scope changes after T-7** are those made on a day after the T-7 date, or at any time
  once the T-7 item ("scope finalised") has been ticked; they are flagged, not refused.
- A checklist item is due at the end of its day: it becomes overdue at midnight after it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta


T_MINUS_7, T_MINUS_1, T_0, T_PLUS_1 = "t_minus_7", "t_minus_1", "t_0", "t_plus_1"


COMMS = {
    # kind: (offset in business days, label, what is due)
    T_MINUS_7: (-7, "T-7", "Scope finalised"),
    T_MINUS_1: (-1, "T-1", "Go/no-go decision"),
    T_0: (0, "T-0", "Release notes published"),
    T_PLUS_1: (1, "T+1", "Customer notification sent"),
}


def add_business_days(day: date, days: int) -> date:
    """`day` moved by `days` working days (Mon-Fri); 0 returns `day` unchanged."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def t_dates(target: date) -> dict[str, date]:
    """{"t_minus_7", "t_minus_1", "t_0", "t_plus_1"} -> date, in business days from `target`."""
    return {kind: add_business_days(target, offset) for kind, (offset, _label, _what) in COMMS.items()}


def comms_deadline(due: date, tzinfo) -> datetime:
    """An item due on `due` is overdue from the midnight after it (in the portal's zone)."""
    return datetime.combine(due + timedelta(days=1), datetime.min.time(), tzinfo=tzinfo)


def is_overdue(*, due: date, done: bool, at: datetime) -> bool:
    return not done and at >= comms_deadline(due, at.tzinfo)


def scope_change_is_late(*, target: date, on: date, scope_finalised: bool = False) -> bool:
    """A scope change on `on` comes after T-7 (and is flagged) if after the T-7 date or once scope is final."""
    return scope_finalised or on > t_dates(target)[T_MINUS_7]
