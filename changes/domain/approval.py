"""Who decides a change of each type, how many approvals it takes, and what the votes decide."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .workflow import (
    APPROVE, APPROVED, CAB_MEMBER, DELIVERY_MANAGER, EMERGENCY, EXPEDITED, NORMAL, ON_CALL, REJECT, REJECTED, STANDARD,
    SUBMITTED, article, past,
)


# Who approves each type, and how many distinct approvals it takes.
APPROVER_ROLE: dict[str, str | None] = {
    STANDARD: None,
    NORMAL: CAB_MEMBER,
    EXPEDITED: DELIVERY_MANAGER,
    EMERGENCY: ON_CALL,
}
QUORUM: dict[str, int] = {STANDARD: 0, NORMAL: 2, EXPEDITED: 1, EMERGENCY: 1}


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
        problems.append(f"Only a submitted change can be {past(decision)}; this one is {state}.")
    role = APPROVER_ROLE.get(change_type)
    if role is None:
        problems.append("A standard change is pre-approved and takes no approvals.")
    elif role not in set(voter_roles) and DELIVERY_MANAGER not in set(voter_roles):
        problems.append(f"{article(change_type)} change is decided by {article(role.replace('_', ' '), False)}.")
    if voter_id == requester_id:
        problems.append("Nobody approves or rejects their own change.")
    if voter_id in set(previous_voter_ids):
        problems.append("You have already decided on this change.")
    if decision == REJECT and not (comment or "").strip():
        problems.append("A rejection needs a comment saying why.")
    if decision not in (APPROVE, REJECT):
        problems.append(f"Unknown decision {decision!r}.")
    return problems
