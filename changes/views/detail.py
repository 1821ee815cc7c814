"""The change page: what it shows, the actions on it, its comments."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from delivery_portal import formposts, roles
from delivery_portal.audit import history_entries

from ..domain.reviews import emergency_review_due
from ..domain.submission import earliest_window_start
from ..domain.workflow import ACTION_LABELS, may_review, offered_actions
from ..forms import CommentForm, DecisionForm, ReviewForm
from ..models import ChangeState
from ..selectors.conflicts import change_conflicts
from ..selectors.detail import change_detail as change_with_details
from ..selectors.detail import change_or_404
from ..services.comments import comment_add
from ..services.decisions import change_submit
from ..services.lifecycle import ACTIONS, change_review
from .agenda import agenda_row


@require_safe
def change_detail(request, reference):
    change = change_with_details(reference)
    return render(request, "changes/detail.html", _detail_context(request, change))


def _detail_context(request, change, **extra):
    conflicts = change_conflicts(change)
    row = agenda_row(request, change, conflicts)
    user = request.user
    is_owner = change.requester_id == user.pk or roles.has_role(user, roles.DELIVERY_MANAGER)
    actions = offered_actions(change.state, change.change_type, owner=is_owner, on_call=roles.has_role(user, roles.ON_CALL))
    may_review_it = may_review(
        change.state, change.change_type, requester=change.requester_id == user.pk,
        cab_member=roles.has_role(user, roles.CAB_MEMBER),
    )
    return {
        "change": change,
        "row": row,
        "conflicts": conflicts,
        "actions": actions,
        "may_edit": change.state == ChangeState.DRAFT and is_owner,
        "may_review": may_review_it,
        "review_form": extra.get("review_form") or ReviewForm(),
        "review_due": emergency_review_due(change.implemented_at) if change.change_type == "emergency" else None,
        "earliest": earliest_window_start(change.change_type, change.submitted_at) if change.submitted_at else None,
        "comments": change.comments.select_related("author"),
        "comment_form": extra.get("comment_form") or CommentForm(),
        "decision_form": extra.get("decision_form") or DecisionForm(),
        "can_write": roles.can_request_change(user),
        "history": history_entries(change),
    }


@require_POST
def change_action(request, reference, verb):
    if verb not in ACTIONS and verb not in ("submit", "review"):
        raise Http404
    change = change_or_404(reference)
    outcome = formposts.call(None, lambda: _act(request, change, verb))
    if outcome.ok:
        messages.success(request, f"{change.reference}: {ACTION_LABELS.get(verb, verb)} done.")
    else:
        formposts.message_failure(request, outcome)
    return redirect("changes:detail", change.reference)


def _act(request, change, verb):
    if verb == "submit":
        return change_submit(change=change, user=request.user)
    if verb == "review":
        form = ReviewForm(request.POST)
        form.is_valid()  # the notes are optional
        return change_review(change=change, user=request.user, notes=form.cleaned_data.get("comment", ""))
    return ACTIONS[verb](change=change, user=request.user)


@require_POST
@roles.role_required(*roles.WRITER_ROLES)  # anyone but a viewer
def change_comment(request, reference):
    change = change_or_404(reference)
    form = CommentForm(request.POST)
    outcome = formposts.submit(form, lambda data: comment_add(change=change, user=request.user, text=data["text"]))
    if outcome.ok:
        return redirect(reverse("changes:detail", args=[change.reference]) + "#comments")
    change = change_with_details(reference)
    context = _detail_context(request, change, comment_form=form)
    return render(request, "changes/detail.html", context, status=outcome.status)
