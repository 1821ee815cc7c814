"""Every state change of a change request: atomic, audited, notifying after commit."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import update_change_reason

from delivery_portal import concurrency, references, roles
from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify
from slack_integration import notify as slack_notify

from . import domain, selectors
from .models import (
    Approval,
    CalendarFeedToken,
    ChangeComment,
    ChangeRequest,
    ChangeState,
    ChangeType,
    Decision,
    StandardChangeTemplate,
)

EDITABLE_FIELDS = (
    "title",
    "change_type",
    "description",
    "justification",
    "impact_systems",
    "impact_users",
    "impact_downtime_minutes",
    "implementation_plan",
    "rollback_plan",
    "testing_plan",
    "window_start",
    "window_end",
)


def _raise(error: domain.RuleError):
    raise ProcessError(error.detail, error.reasons)


def _url(change):
    return reverse("changes:detail", args=[change.reference])


def _save(change, reason: str, user=None):
    change._history_user = user
    change.save()
    update_change_reason(change, reason)


def _locked(change_or_pk) -> ChangeRequest:
    pk = getattr(change_or_pk, "pk", change_or_pk)
    return ChangeRequest.objects.select_for_update().get(pk=pk)


def allocate_reference(*, at=None) -> str:
    """Next CHG-YYYY-NNNN (year of `at`), unique under concurrency."""
    return references.allocate(prefix="CHG", year=(at or timezone.now()).year, model=ChangeRequest)


def _check_requester(user):
    if not roles.can_request_change(user):
        raise PermissionDenied("Viewers cannot request changes.")


def _check_owner(change, user):
    if change.requester_id != user.pk and not roles.has_role(user, roles.DELIVERY_MANAGER):
        raise PermissionDenied("Only the requester or a delivery manager may do this.")


def _validate_window(values):
    problem = domain.window_problem(values.get("window_start"), values.get("window_end"))
    if problem:
        from django.core.exceptions import ValidationError

        raise ValidationError({"window_end": [problem]})


# --- Create and edit -----------------------------------------------------------------
@transaction.atomic
def change_create(*, user, services=(), template=None, at=None, **fields) -> ChangeRequest:
    """A draft change requested by `user` (the caller is always the requester)."""
    _check_requester(user)
    at = at or timezone.now()
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    if template is not None:
        if not template.active:
            raise ProcessError("This standard-change template is retired.")
        template_services = list(template.services.all())
        _refuse_template_deviations(template, fields, services or None, template_services)
        fields = {**template_values(template), **{k: v for k, v in fields.items() if v not in (None, "")}}
        fields["change_type"] = ChangeType.STANDARD
        if not services:
            services = template_services
    _validate_window(fields)
    change = ChangeRequest(reference=allocate_reference(at=at), requester=user, template=template, **fields)
    _save(change, "created", user)
    if services:
        change.services.set(services)
    return change


def _refuse_template_deviations(template, fields, services, template_services=None):
    """ValidationError naming each field where a standard change departs from its template
    (its plans are the template's; its services among the template's): changes/domain.py."""
    if template_services is None:
        template_services = list(template.services.all())
    problems = domain.template_deviations(
        template_name=template.slug,
        template_values=template_values(template),
        template_services=[s.slug for s in template_services],
        values=fields,
        services=None if services is None else [s.slug for s in services],
    )
    if problems:
        from django.core.exceptions import ValidationError

        raise ValidationError(problems)


def template_values(template: StandardChangeTemplate) -> dict:
    return {
        "title": template.title,
        "description": template.description,
        "justification": template.justification or f"Standard change from the catalogue: {template.title}.",
        "impact_systems": template.impact_systems,
        "impact_users": template.impact_users,
        "impact_downtime_minutes": template.impact_downtime_minutes,
        "implementation_plan": template.implementation_plan,
        "rollback_plan": template.rollback_plan,
        "testing_plan": template.testing_plan,
    }


@transaction.atomic
def change_update(*, change, user, services=None, expected_version=None, **fields) -> ChangeRequest:
    """Edit a draft (only drafts change; submitted ones are what the approvers saw).

    `expected_version`: the `edit_version` the editor saw (delivery_portal.concurrency).
    """
    change = _locked(change)
    _check_owner(change, user)
    if change.state != ChangeState.DRAFT:
        raise ProcessError(f"Only a draft can be edited; {change.reference} is {change.state}.")
    concurrency.claim(change, expected_version, noun="change")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(change, name, value)
    if change.change_type == ChangeType.STANDARD and change.template_id is None:
        raise ProcessError("A standard change is created from a standard-change template; pick one from the catalogue.")
    if change.change_type != ChangeType.STANDARD and change.template_id is not None:
        change.template = None
    if change.template_id is not None:
        # Still standard: the plans and services stay the template's (changes/domain.py).
        _refuse_template_deviations(change.template, fields, services)
        for name, value in template_values(change.template).items():
            if name in domain.TEMPLATE_FIXED_FIELDS:
                setattr(change, name, value)
    _validate_window({"window_start": change.window_start, "window_end": change.window_end})
    _save(change, "draft saved", user)
    if services is not None:
        change.services.set(services)
    return change


def template_problems(change: ChangeRequest) -> dict[str, list[str]]:
    """Where a standard change's current content departs from its template (field -> messages)."""
    template = change.template
    return domain.template_deviations(
        template_name=template.slug,
        template_values=template_values(template),
        template_services=[s.slug for s in template.services.all()],
        values={name: getattr(change, name) or "" for name in domain.TEMPLATE_FIXED_FIELDS},
        services=[s.slug for s in change.services.all()],
    )


def submission_values(change: ChangeRequest, services=None) -> dict:
    values = {name: getattr(change, name) for name in domain.REQUIRED_FIELDS if name != "services"}
    values["services"] = list(services if services is not None else change.services.all())
    return values


# --- Submit and decide ---------------------------------------------------------------
@transaction.atomic
def change_submit(*, change, user, at=None) -> ChangeRequest:
    at = at or timezone.now()
    change = _locked(change)
    _check_owner(change, user)
    try:
        new_state = domain.next_state(change.state, "submit", change.change_type)
    except domain.RuleError as exc:
        _raise(exc)
    problems = domain.submission_problems(
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
    _save(change, "submitted", user)
    if change.change_type == ChangeType.STANDARD:
        # Pre-approved: the template is the approval.
        change.state = ChangeState.APPROVED
        change.decided_at = at
        _save(change, f"pre-approved (standard template {change.template.slug})", user)
        _notify_decided(change)
    else:
        approvers = list(selectors.approvers_for(change))
        notify(
            event="change.approval_needed",
            subject=f"{change.reference} needs your decision: {change.title}",
            body=(
                f"{change.get_change_type_display()} change requested by {change.requester}, window "
                f"{change.window_start:%Y-%m-%d %H:%M}–{change.window_end:%Y-%m-%d %H:%M} UTC."
            ),
            users=approvers,
            url=_url(change),
            payload={"reference": change.reference, "change_type": change.change_type},
        )
        slack_notify.change_awaiting_approval(change)
    return change


def _notify_decided(change):
    notify(
        event=f"change.{change.state}",
        subject=f"{change.reference} was {change.state}: {change.title}",
        body="\n".join(
            f"{a.by}: {a.decision}" + (f" — {a.comment}" if a.comment else "") for a in change.approvals.select_related("by")
        ),
        users=[change.requester],
        url=_url(change),
        payload={"reference": change.reference, "state": change.state},
    )


@transaction.atomic
def change_decide(*, change, user, decision: str, comment: str = "", at=None) -> Approval:
    """Record one approval or rejection. The row lock on the change serialises decisions
    arriving at once, so none is counted twice or lost, and the outcome is computed from
    all votes under that lock."""
    at = at or timezone.now()
    change = _locked(change)
    previous = list(change.approvals.all())
    problems = domain.decision_problems(
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
        rollback = domain.rollback_problem(change.change_type, change.rollback_plan)
        if rollback:
            raise ProcessError(f"You cannot approve {change.reference}.", [rollback])
    approval = Approval(change=change, by=user, decision=decision, at=at, comment=comment.strip())
    approval._history_user = user
    approval.save()
    votes = [domain.Vote(a.by_id, a.decision) for a in previous] + [domain.Vote(user.pk, decision)]
    outcome = domain.approval_outcome(change.change_type, votes)
    if outcome != change.state:
        change.state = outcome
        change.decided_at = at
        _save(change, f"{outcome} ({decision} by {user.username})", user)
        _notify_decided(change)
    return approval


def change_approve(*, change, user, comment: str = "", at=None) -> Approval:
    return change_decide(change=change, user=user, decision=Decision.APPROVE, comment=comment, at=at)


def change_reject(*, change, user, comment: str = "", at=None) -> Approval:
    return change_decide(change=change, user=user, decision=Decision.REJECT, comment=comment, at=at)


# --- Schedule, implement, review, close, cancel --------------------------------------
def _transition(change, user, action, at, reason=None):
    try:
        change.state = domain.next_state(change.state, action, change.change_type)
    except domain.RuleError as exc:
        _raise(exc)
    _save(change, reason or domain._past(action), user)
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
    change = _locked(change)
    _may_run(change, user)
    if window_start or window_end:
        new_start = window_start or change.window_start
        new_end = window_end or change.window_end
        problem = domain.window_problem(new_start, new_end)
        if problem:
            raise ProcessError(problem)
        lead = domain.lead_time_problem(change.change_type, change.submitted_at or at, new_start)
        if lead:
            raise ProcessError("The new window is too early for the approval's lead time.", [lead])
        change.window_start, change.window_end = new_start, new_end
    rollback = domain.rollback_problem(change.change_type, change.rollback_plan)
    if rollback:
        raise ProcessError(f"{change.reference} cannot be scheduled.", [rollback])
    return _transition(change, user, "schedule", at)


@transaction.atomic
def change_start(*, change, user, at=None) -> ChangeRequest:
    at = at or timezone.now()
    change = _locked(change)
    _may_run(change, user)
    _transition(change, user, "start", at, "implementation started")
    change.implementation_started_at = at
    _save(change, "implementation started", user)
    return change


@transaction.atomic
def change_complete(*, change, user, at=None) -> ChangeRequest:
    return _finish(change, user, "complete", at)


@transaction.atomic
def change_fail(*, change, user, at=None) -> ChangeRequest:
    return _finish(change, user, "fail", at)


def _finish(change, user, action, at):
    at = at or timezone.now()
    change = _locked(change)
    _may_run(change, user)
    _transition(change, user, action, at)
    change.implementation_ended_at = at
    _save(change, f"implementation {'completed' if action == 'complete' else 'failed'}", user)
    return change


@transaction.atomic
def change_review(*, change, user, notes: str = "", at=None) -> ChangeRequest:
    """Post-implementation review. Emergency changes are reviewed by the CAB."""
    at = at or timezone.now()
    change = _locked(change)
    if change.change_type == ChangeType.EMERGENCY:
        if not roles.has_role(user, roles.CAB_MEMBER):
            raise PermissionDenied("An emergency change is reviewed by the CAB.")
    elif not (roles.has_any_role(user, roles.CAB_MEMBER) or change.requester_id == user.pk):
        raise PermissionDenied("The requester or the CAB reviews a change.")
    change.reviewed_at, change.reviewed_by, change.review_notes = at, user, notes.strip()
    return _transition(change, user, "review", at, "post-implementation review")


@transaction.atomic
def change_close(*, change, user, at=None) -> ChangeRequest:
    change = _locked(change)
    _check_owner(change, user)
    return _transition(change, user, "close", at)


@transaction.atomic
def change_cancel(*, change, user, at=None) -> ChangeRequest:
    change = _locked(change)
    _check_owner(change, user)
    was = change.state
    _transition(change, user, "cancel", at)
    if was not in (ChangeState.DRAFT,):
        notify(
            event="change.cancelled",
            subject=f"{change.reference} was cancelled: {change.title}",
            users=[a.by for a in change.approvals.select_related("by")] + [change.requester],
            url=_url(change),
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


# --- Comments, reminders, feed tokens ------------------------------------------------
@transaction.atomic
def comment_add(*, change, user, text: str, at=None) -> ChangeComment:
    _check_requester(user)
    text = (text or "").strip()
    if not text:
        from django.core.exceptions import ValidationError

        raise ValidationError({"text": ["Write something."]})
    return ChangeComment.objects.create(change=change, author=user, text=text, at=at or timezone.now())


@transaction.atomic
def emergency_reviews_remind(*, at=None) -> int:
    """Remind the CAB of each overdue emergency review, at most once a day per change."""
    at = at or timezone.now()
    overdue = list(selectors.overdue_emergency_reviews(at=at).select_for_update(of=("self",)))
    members = list(selectors.cab_members())
    sent = 0
    for change in overdue:
        if change.review_reminded_at and at - change.review_reminded_at < timedelta(days=1):
            continue
        due = domain.emergency_review_due(change.implemented_at)
        notify(
            event="change.emergency_review_overdue",
            subject=f"CAB review overdue: {change.reference} {change.title}",
            body=f"This emergency change was due for CAB review by {due:%Y-%m-%d %H:%M} UTC.",
            users=members,
            url=_url(change),
            payload={"reference": change.reference, "due": due.isoformat()},
        )
        ChangeRequest.objects.filter(pk=change.pk).update(review_reminded_at=at)
        sent += 1
    return sent


def feed_token_for(user) -> CalendarFeedToken:
    token = CalendarFeedToken.objects.filter(user=user).first()
    if token is None:
        try:
            with transaction.atomic():
                token = CalendarFeedToken.objects.create(user=user, key=secrets.token_urlsafe(32))
        except IntegrityError:
            token = CalendarFeedToken.objects.get(user=user)
    return token


@transaction.atomic
def feed_token_reset(*, user) -> CalendarFeedToken:
    CalendarFeedToken.objects.filter(user=user).delete()
    return CalendarFeedToken.objects.create(user=user, key=secrets.token_urlsafe(32))
