"""What a draft needs before it can be submitted: the required fields, a rollback plan for
normal and expedited changes, a window that ends after it starts, the type's lead time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from .workflow import EMERGENCY, EXPEDITED, NORMAL, STANDARD


LEAD_TIMES: dict[str, timedelta] = {
    STANDARD: timedelta(0),
    NORMAL: timedelta(days=5),
    EXPEDITED: timedelta(hours=24),
    EMERGENCY: timedelta(0),
}


TYPES_NEEDING_ROLLBACK = {NORMAL, EXPEDITED}

# Field name -> label, in the order a person fills them in.
REQUIRED_FIELDS: dict[str, str] = {
    "title": "title",
    "description": "description",
    "justification": "justification",
    "impact_systems": "impact: systems",
    "services": "impact: services",
    "impact_users": "impact: users",
    "impact_downtime_minutes": "impact: downtime (minutes)",
    "implementation_plan": "implementation plan",
    "rollback_plan": "rollback plan",
    "testing_plan": "testing plan",
    "window_start": "window start",
    "window_end": "window end",
}


def missing_fields(values: Mapping[str, object]) -> list[str]:
    """Labels of the required fields that are empty in `values` (field name -> value)."""
    missing = []
    for name, label in REQUIRED_FIELDS.items():
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(label)
        elif isinstance(value, (list, tuple, set, frozenset)) and not value:
            missing.append(label)
    return missing


def needs_rollback_plan(change_type: str) -> bool:
    return change_type in TYPES_NEEDING_ROLLBACK


def rollback_problem(change_type: str, rollback_plan: str | None) -> str | None:
    if needs_rollback_plan(change_type) and not (rollback_plan or "").strip():
        return f"A {change_type} change needs a documented rollback plan."
    return None


def earliest_window_start(change_type: str, submitted_at: datetime) -> datetime:
    return submitted_at + LEAD_TIMES[change_type]


def lead_time_problem(change_type: str, submitted_at: datetime, window_start: datetime | None) -> str | None:
    """Why the window is too soon for the type (None if it is fine), naming the earliest window."""
    if window_start is None:
        return None  # reported as a missing field
    lead = LEAD_TIMES[change_type]
    if not lead:
        return None  # no lead time: the window may already have started (emergency work)
    if window_start - submitted_at >= lead:
        return None
    earliest = earliest_window_start(change_type, submitted_at)
    suggestion = _faster_types(change_type, submitted_at, window_start)
    text = (
        f"A {change_type} change needs {_duration(lead)} of lead time from submission to the window's start; "
        f"the earliest allowed window starts at {earliest:%Y-%m-%d %H:%M} UTC."
    )
    if suggestion:
        text += f" Or re-type it as {' or '.join(suggestion)}."
    return text


def _faster_types(change_type, submitted_at, window_start) -> list[str]:
    if change_type == NORMAL and window_start - submitted_at >= LEAD_TIMES[EXPEDITED]:
        return [EXPEDITED]
    return []


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours and hours % 24 == 0 and hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} hours"


def window_problem(window_start: datetime | None, window_end: datetime | None) -> str | None:
    if window_start and window_end and window_end <= window_start:
        return "The window must end after it starts."
    return None


def submission_problems(
    *,
    change_type: str,
    values: Mapping[str, object],
    at: datetime,
    has_template: bool = False,
) -> list[str]:
    """Everything that stops a draft from being submitted at `at` (empty: it may be)."""
    problems = []
    missing = missing_fields(values)
    if missing:
        problems.append("Missing: " + ", ".join(missing) + ".")
    rollback = rollback_problem(change_type, values.get("rollback_plan"))  # type: ignore[arg-type]
    if rollback:
        problems.append(rollback)
    window = window_problem(values.get("window_start"), values.get("window_end"))  # type: ignore[arg-type]
    if window:
        problems.append(window)
    lead = lead_time_problem(change_type, at, values.get("window_start"))  # type: ignore[arg-type]
    if lead:
        problems.append(lead)
    if change_type == STANDARD and not has_template:
        problems.append("A standard change must be created from a pre-approved standard-change template.")
    return problems
