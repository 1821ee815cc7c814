"""Submit a change, and record the approvals and rejections that decide it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from delivery_portal import roles
from delivery_portal.audit import save_with_history
from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify
from slack_integration import notify as slack_notify

from ..domain.approval import Vote, approval_outcome, decision_problems
from ..domain.submission import rollback_problem, submission_problems
from ..domain.workflow import RuleError, next_state
from ..models import Approval, ChangeRequest, ChangeState, ChangeType, Decision
from ..selectors.approvers import approvers_for
from .common import change_url, check_owner, locked, refuse
from .drafts import submission_values, template_problems


@transaction.atomic
def change_submit(*, change, user, at=None) -> ChangeRequest:
    at = at or timezone.now()
    change = locked(change)
    check_owner(change, user)
    try:
        new_state = next_state(change.state, "submit", change.change_type)
    except RuleError as exc:
        refuse(exc)
    problems = submission_problems(
        change_type=change.change_type, values=submission_values(change), at=at, has_template=change.template_id is not None
    )
    if change.change_type == ChangeType.STANDARD and change.template_id is not None:
        # Pre-approval covers only what the template defines (a draft saved before this
        # rule, or a template edited since, is put right by saving the draft again).
        deviations = template_problems(change)
        problems += [message for messages in deviations.values() for message in messages]
    if problems:
        raise ProcessError(f"{change.reference} cannot be submitted yet.", problems)
    change.state = new_state
    change.submitted_at = at
    save_with_history(change, by=user, reason="submitted")
    if change.change_type == ChangeType.STANDARD:
        # Pre-approved: the template is the approval.
        change.state = ChangeState.APPROVED
        change.decided_at = at
        save_with_history(change, by=user, reason=f"pre-approved (standard template {change.template.slug})")
        notify_decided(change)
    else:
        approvers = list(approvers_for(change))
        notify(
            event="change.approval_needed",
            subject=f"{change.reference} needs your decision: {change.title}",
            body=(
                f"{change.get_change_type_display()} change requested by {change.requester}, window "
                f"{change.window_start:%Y-%m-%d %H:%M}–{change.window_end:%Y-%m-%d %H:%M} UTC."
            ),
            users=approvers,
            url=change_url(change),
            payload={"reference": change.reference, "change_type": change.change_type},
        )
        slack_notify.change_awaiting_approval(change)
    return change


def notify_decided(change):
    notify(
        event=f"change.{change.state}",
        subject=f"{change.reference} was {change.state}: {change.title}",
        body="\n".join(
            f"{a.by}: {a.decision}" + (f" — {a.comment}" if a.comment else "") for a in change.approvals.select_related("by")
        ),
        users=[change.requester],
        url=change_url(change),
        payload={"reference": change.reference, "state": change.state},
    )


@transaction.atomic
def change_decide(*, change, user, decision: str, comment: str = "", at=None) -> Approval:
    """Record one approval or rejection. The row lock on the change serialises decisions
    arriving at once, so none is counted twice or lost, and the outcome is computed from
    all votes under that lock."""
    at = at or timezone.now()
    change = locked(change)
    previous = list(change.approvals.all())
    problems = decision_problems(
        change_type=change.change_type,
        state=change.state,
        decision=decision,
        voter_id=user.pk,
        requester_id=change.requester_id,
        voter_roles=roles.user_roles(user) | ({roles.DELIVERY_MANAGER} if user.is_superuser else set()),
        previous_voter_ids=[a.by_id for a in previous],
        comment=comment,
    )
    if not roles.has_any_role(user, roles.CAB_MEMBER, roles.DELIVERY_MANAGER, roles.ON_CALL):
        raise PermissionDenied("Your role does not decide on changes.")
    if problems:
        raise ProcessError(f"You cannot {decision} {change.reference}.", problems)
    if decision == Decision.APPROVE:
        rollback = rollback_problem(change.change_type, change.rollback_plan)
        if rollback:
            raise ProcessError(f"You cannot approve {change.reference}.", [rollback])
    approval = Approval(change=change, by=user, decision=decision, at=at, comment=comment.strip())
    save_with_history(approval, by=user)
    votes = [Vote(a.by_id, a.decision) for a in previous] + [Vote(user.pk, decision)]
    outcome = approval_outcome(change.change_type, votes)
    if outcome != change.state:
        change.state = outcome
        change.decided_at = at
        save_with_history(change, by=user, reason=f"{outcome} ({decision} by {user.username})")
        notify_decided(change)
    return approval


def change_approve(*, change, user, comment: str = "", at=None) -> Approval:
    return change_decide(change=change, user=user, decision=Decision.APPROVE, comment=comment, at=at)


def change_reject(*, change, user, comment: str = "", at=None) -> Approval:
    return change_decide(change=change, user=user, decision=Decision.REJECT, comment=comment, at=at)
