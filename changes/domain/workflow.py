"""States, types and the transition table of a change request: (state, action) -> new state."""

from __future__ import annotations


# States and types as plain strings (the model's TextChoices compare equal to them).
DRAFT, SUBMITTED, APPROVED, REJECTED = "draft", "submitted", "approved", "rejected"
SCHEDULED, IMPLEMENTING, COMPLETED, FAILED = "scheduled", "implementing", "completed", "failed"
REVIEWED, CLOSED, CANCELLED = "reviewed", "closed", "cancelled"

STANDARD, NORMAL, EXPEDITED, EMERGENCY = "standard", "normal", "expedited", "emergency"

APPROVE, REJECT = "approve", "reject"

# Roles (the names of delivery_portal.roles, repeated so this module imports nothing).
CAB_MEMBER, DELIVERY_MANAGER, ON_CALL = "cab_member", "delivery_manager", "on_call"


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
        raise RuleError(f"A change that is {state} cannot be {past(action)}.") from None


def allowed_actions(state: str, change_type: str = NORMAL) -> list[str]:
    actions = [a for (s, a) in TRANSITIONS if s == state]
    if change_type == EMERGENCY:
        actions += [a for (s, a) in EMERGENCY_TRANSITIONS if s == state and a not in actions]
    return actions


def article(word: str, capital: bool = True) -> str:
    a = "an" if word[:1] in "aeiou" else "a"
    return (a.capitalize() if capital else a) + " " + word


def past(action: str) -> str:
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


# The change page offers these as buttons to the requester or a delivery manager ("owner"),
# and the work itself also to on-call for emergency changes (who carry them out). Approving,
# rejecting and reviewing have forms of their own. The services check the same rules.
OWNER_ACTIONS = ("submit", "cancel", "close")
WORK_ACTIONS = ("schedule", "start", "complete", "fail")


def offered_actions(state: str, change_type: str, *, owner: bool, on_call: bool) -> list[tuple[str, str]]:
    """(action, label) of the buttons the change page shows this person."""
    offered = []
    for action in allowed_actions(state, change_type):
        if action in OWNER_ACTIONS and not owner:
            continue
        if action in WORK_ACTIONS and not (owner or (change_type == EMERGENCY and on_call)):
            continue
        if action in OWNER_ACTIONS or action in WORK_ACTIONS:
            offered.append((action, ACTION_LABELS[action]))
    return offered


def may_review(state: str, change_type: str, *, requester: bool, cab_member: bool) -> bool:
    """A completed or failed change is reviewed by the CAB, or by its requester unless it was
    an emergency change (those the CAB reviews)."""
    return state in (COMPLETED, FAILED) and (cab_member or (change_type != EMERGENCY and requester))
