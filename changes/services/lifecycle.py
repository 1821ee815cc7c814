"""Schedule, implement, review, close and cancel a change (after its approval)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from delivery_portal import roles
from delivery_portal.audit import save_with_history
from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify

from ..domain.submission import lead_time_problem, rollback_problem, window_problem
from ..domain.workflow import RuleError, next_state, past
from ..models import ChangeRequest, ChangeState, ChangeType
from .common import change_url, check_owner, locked, refuse


def _transition(change, user, action, at, reason=None):
    try:
        change.state = next_state(change.state, action, change.change_type)
    except RuleError as exc:
        refuse(exc)
    save_with_history(change, by=user, reason=reason or past(action))
    return change


def _may_run(change, user):
    """Requester, a delivery manager, or on-call (who carries out emergency work)."""
    if change.requester_id == user.pk or roles.has_role(user, roles.DELIVERY_MANAGER):
        return
    if change.change_type == ChangeType.EMERGENCY and roles.has_role(user, roles.ON_CALL):
        return
    raise PermissionDenied("Only the requester or a delivery manager may do this.")


@transaction.atomic
def change_schedule(*, change, user, window_start=None, window_end=None, at=None) -> ChangeRequest:
    """Confirm the slot of an approved change (the approved window unless given)."""
    at = at or timezone.now()
    change = locked(change)
    _may_run(change, user)
    if window_start or window_end:
        new_start = window_start or change.window_start
        new_end = window_end or change.window_end
        problem = window_problem(new_start, new_end)
        if problem:
            raise ProcessError(problem)
        lead = lead_time_problem(change.change_type, change.submitted_at or at, new_start)
        if lead:
            raise ProcessError("The new window is too early for the approval's lead time.", [lead])
        change.window_start, change.window_end = new_start, new_end
    rollback = rollback_problem(change.change_type, change.rollback_plan)
    if rollback:
        raise ProcessError(f"{change.reference} cannot be scheduled.", [rollback])
    return _transition(change, user, "schedule", at)


@transaction.atomic
def change_start(*, change, user, at=None) -> ChangeRequest:
    at = at or timezone.now()
    change = locked(change)
    _may_run(change, user)
    _transition(change, user, "start", at, "implementation started")
    change.implementation_started_at = at
    save_with_history(change, by=user, reason="implementation started")
    return change


@transaction.atomic
def change_complete(*, change, user, at=None) -> ChangeRequest:
    return _finish(change, user, "complete", at)


@transaction.atomic
def change_fail(*, change, user, at=None) -> ChangeRequest:
    return _finish(change, user, "fail", at)


def _finish(change, user, action, at):
    at = at or timezone.now()
    change = locked(change)
    _may_run(change, user)
    _transition(change, user, action, at)
    change.implementation_ended_at = at
    save_with_history(change, by=user, reason=f"implementation {'completed' if action == 'complete' else 'failed'}")
    return change


@transaction.atomic
def change_review(*, change, user, notes: str = "", at=None) -> ChangeRequest:
    """Post-implementation review. Emergency changes are reviewed by the CAB."""
    at = at or timezone.now()
    change = locked(change)
    if change.change_type == ChangeType.EMERGENCY:
        if not roles.has_role(user, roles.CAB_MEMBER):
            raise PermissionDenied("An emergency change is reviewed by the CAB.")
    elif not (roles.has_any_role(user, roles.CAB_MEMBER) or change.requester_id == user.pk):
        raise PermissionDenied("The requester or the CAB reviews a change.")
    change.reviewed_at, change.reviewed_by, change.review_notes = at, user, notes.strip()
    return _transition(change, user, "review", at, "post-implementation review")


@transaction.atomic
def change_close(*, change, user, at=None) -> ChangeRequest:
    change = locked(change)
    check_owner(change, user)
    return _transition(change, user, "close", at)


@transaction.atomic
def change_cancel(*, change, user, at=None) -> ChangeRequest:
    change = locked(change)
    check_owner(change, user)
    was = change.state
    _transition(change, user, "cancel", at)
    if was not in (ChangeState.DRAFT,):
        notify(
            event="change.cancelled",
            subject=f"{change.reference} was cancelled: {change.title}",
            users=[a.by for a in change.approvals.select_related("by")] + [change.requester],
            url=change_url(change),
            payload={"reference": change.reference},
        )
    return change


ACTIONS = {
    "schedule": change_schedule,
    "start": change_start,
    "complete": change_complete,
    "fail": change_fail,
    "close": change_close,
    "cancel": change_cancel,
}
