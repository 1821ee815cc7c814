"""Rules of the change process: pure Python, no ORM, no clock (callers pass `at`).

- Approval: standard needs none (pre-approved template); normal two distinct CAB
  approvals and no rejection; expedited one delivery manager; emergency one on-call
  (implemented first, reviewed by the CAB within 5 days afterwards).
- Lead time from submission to the window's start: normal 5 days, expedited 24 hours.
- Required fields on submission; a rollback plan for normal and expedited changes.
- A standard change is pre-approved only as its template defines it: its implementation,
  rollback and testing plans are the template's, and its services are among the
  template's services when the template names any (`template_deviations`).
- The transition table: (state, action) -> new state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

# States and types as plain strings (the model's TextChoices compare equal to them).
DRAFT, SUBMITTED, APPROVED, REJECTED = "draft", "submitted", "approved", "rejected"
SCHEDULED, IMPLEMENTING, COMPLETED, FAILED = "scheduled", "implementing", "completed", "failed"
REVIEWED, CLOSED, CANCELLED = "reviewed", "closed", "cancelled"

STANDARD, NORMAL, EXPEDITED, EMERGENCY = "standard", "normal", "expedited", "emergency"

APPROVE, REJECT = "approve", "reject"

# Roles (the names of delivery_portal.roles, repeated so this module imports nothing).
CAB_MEMBER, DELIVERY_MANAGER, ON_CALL = "cab_member", "delivery_manager", "on_call"

LEAD_TIMES: dict[str, timedelta] = {
    STANDARD: timedelta(0),
    NORMAL: timedelta(days=5),
    EXPEDITED: timedelta(hours=24),
    EMERGENCY: timedelta(0),
}

# Who approves each type, and how many distinct approvals it takes.
APPROVER_ROLE: dict[str, str | None] = {
    STANDARD: None,
    NORMAL: CAB_MEMBER,
    EXPEDITED: DELIVERY_MANAGER,
    EMERGENCY: ON_CALL,
}
QUORUM: dict[str, int] = {STANDARD: 0, NORMAL: 2, EXPEDITED: 1, EMERGENCY: 1}

EMERGENCY_REVIEW_WITHIN = timedelta(days=5)

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

# (state, action) -> new state. Who may act is checked by the services.
TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, "submit"): SUBMITTED,
    (SUBMITTED, "approve"): APPROVED,
    (SUBMITTED, "reject"): REJECTED,
    (APPROVED, "schedule"): SCHEDULED,
    (SCHEDULED, "start"): IMPLEMENTING,
    (IMPLEMENTING, "complete"): COMPLETED,
    (IMPLEMENTING, "fail"): FAILED,
    (COMPLETED, "review"): REVIEWED,
    (FAILED, "review"): REVIEWED,
    (REVIEWED, "close"): CLOSED,
}
CANCELLABLE_STATES = (DRAFT, SUBMITTED, APPROVED, REJECTED, SCHEDULED)
for _state in CANCELLABLE_STATES:
    TRANSITIONS[(_state, "cancel")] = CANCELLED
# Emergency changes are implemented first: from approved straight to implementing.
EMERGENCY_TRANSITIONS: dict[tuple[str, str], str] = {(APPROVED, "start"): IMPLEMENTING}

ACTION_LABELS = {
    "submit": "submit",
    "approve": "approve",
    "reject": "reject",
    "schedule": "schedule",
    "start": "start implementing",
    "complete": "complete",
    "fail": "mark failed",
    "review": "review",
    "close": "close",
    "cancel": "cancel",
}


class RuleError(Exception):
    """A rule forbids this; `reasons` lists every rule that failed (services map it to ProcessError)."""

    def __init__(self, detail: str, reasons: list[str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.reasons = list(reasons or [detail])


def next_state(state: str, action: str, change_type: str = NORMAL) -> str:
    """The state after `action`, or RuleError if the table does not allow it."""
    if change_type == EMERGENCY and (state, action) in EMERGENCY_TRANSITIONS:
        return EMERGENCY_TRANSITIONS[(state, action)]
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise RuleError(f"A change that is {state} cannot be {_past(action)}.") from None


def allowed_actions(state: str, change_type: str = NORMAL) -> list[str]:
    actions = [a for (s, a) in TRANSITIONS if s == state]
    if change_type == EMERGENCY:
        actions += [a for (s, a) in EMERGENCY_TRANSITIONS if s == state and a not in actions]
    return actions


def _a(word: str, capital: bool = True) -> str:
    article = "an" if word[:1] in "aeiou" else "a"
    return (article.capitalize() if capital else article) + " " + word


def _past(action: str) -> str:
    return {
        "submit": "submitted",
        "approve": "approved",
        "reject": "rejected",
        "schedule": "scheduled",
        "start": "started",
        "complete": "completed",
        "fail": "marked failed",
        "review": "reviewed",
        "close": "closed",
        "cancel": "cancelled",
    }.get(action, action)


# --- Submission ----------------------------------------------------------------------
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


# --- Standard changes: the template is the approval --------------------------------
# The fields of a standard change that are the template's own (field name -> label).
TEMPLATE_FIXED_FIELDS: dict[str, str] = {
    "implementation_plan": "implementation plan",
    "rollback_plan": "rollback plan",
    "testing_plan": "testing plan",
}


def _same_text(a: object, b: object) -> bool:
    """Equal texts once line endings and surrounding spaces are ignored (forms send \\r\\n)."""
    def clean(value):
        return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()

    return clean(a) == clean(b)


def template_deviations(
    *,
    template_name: str,
    template_values: Mapping[str, object],
    template_services: Iterable[str] = (),
    values: Mapping[str, object],
    services: Iterable[str] | None = None,
) -> dict[str, list[str]]:
    """Where a standard change departs from its pre-approved template (field -> messages; empty: none).

    `values` holds what the requester sent; a plan left empty (None or "") means "the
    template's" and is no deviation. `services` (names or slugs; None: not sent) must be
    among `template_services` when the template names any.
    """
    problems: dict[str, list[str]] = {}
    for name, label in TEMPLATE_FIXED_FIELDS.items():
        sent = values.get(name)
        if sent is None or (isinstance(sent, str) and not sent.strip()):
            continue
        if not _same_text(sent, template_values.get(name)):
            problems[name] = [
                f"A standard change is pre-approved as its template {template_name!r} defines it: the {label} "
                f"is the template's and cannot be changed. Leave it out, or request a normal change."
            ]
    allowed = set(template_services)
    if services is not None and allowed:
        outside = sorted(set(services) - allowed)
        if outside:
            problems["services"] = [
                f"The template {template_name!r} is pre-approved for {', '.join(sorted(allowed))} only; "
                f"not for {', '.join(outside)}. Request a normal change for other services."
            ]
    return problems


# --- Approval ------------------------------------------------------------------------
@dataclass(frozen=True)
class Vote:
    user_id: int
    decision: str  # approve | reject


def approval_outcome(change_type: str, votes: Iterable[Vote]) -> str:
    """SUBMITTED (still waiting), APPROVED or REJECTED, from the votes cast so far.

    One vote per user counts (a repeated user is counted once); any rejection rejects.
    """
    votes = list(votes)
    if change_type == STANDARD:
        return APPROVED
    if any(v.decision == REJECT for v in votes):
        return REJECTED
    approvers = {v.user_id for v in votes if v.decision == APPROVE}
    return APPROVED if len(approvers) >= QUORUM[change_type] else SUBMITTED


def decision_problems(
    *,
    change_type: str,
    state: str,
    decision: str,
    voter_id: int,
    requester_id: int,
    voter_roles: Iterable[str],
    previous_voter_ids: Iterable[int],
    comment: str = "",
) -> list[str]:
    """Why `voter` may not approve/reject this change now (empty: they may)."""
    problems = []
    if state != SUBMITTED:
        problems.append(f"Only a submitted change can be {_past(decision)}; this one is {state}.")
    role = APPROVER_ROLE.get(change_type)
    if role is None:
        problems.append("A standard change is pre-approved and takes no approvals.")
    elif role not in set(voter_roles) and DELIVERY_MANAGER not in set(voter_roles):
        problems.append(f"{_a(change_type)} change is decided by {_a(role.replace('_', ' '), False)}.")
    if voter_id == requester_id:
        problems.append("Nobody approves or rejects their own change.")
    if voter_id in set(previous_voter_ids):
        problems.append("You have already decided on this change.")
    if decision == REJECT and not (comment or "").strip():
        problems.append("A rejection needs a comment saying why.")
    if decision not in (APPROVE, REJECT):
        problems.append(f"Unknown decision {decision!r}.")
    return problems


# --- Emergency reviews ---------------------------------------------------------------
def emergency_review_due(implemented_at: datetime | None) -> datetime | None:
    return implemented_at + EMERGENCY_REVIEW_WITHIN if implemented_at else None


def emergency_review_overdue(change_type: str, state: str, implemented_at: datetime | None, at: datetime) -> bool:
    if change_type != EMERGENCY or state not in (IMPLEMENTING, COMPLETED, FAILED):
        return False
    due = emergency_review_due(implemented_at)
    return due is not None and at > due


# --- Time windows --------------------------------------------------------------------
def overlaps(a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None) -> bool:
    """Half-open intervals [start, end) overlap; an end of None is open-ended."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)
