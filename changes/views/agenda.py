"""The CAB agenda, and deciding a change from its rows or from the change page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import trigger_client_event

from delivery_portal import roles
from delivery_portal.errors import ProcessError

from ..domain.approval import APPROVER_ROLE, QUORUM
from ..domain.reviews import emergency_review_due, emergency_review_overdue
from ..forms import DecisionForm
from ..models import ChangeRequest, ChangeState
from ..selectors.conflicts import change_conflicts, conflicts_for_changes
from ..selectors.detail import change_detail as change_with_details
from ..selectors.lists import cab_agenda as changes_for_agenda
from ..selectors.reviews import emergency_reviews_summary
from ..services.decisions import change_decide as decide
from .common import next_url
from .lists import REVIEWS_LISTED


@require_safe
def cab_agenda(request):
    changes = list(changes_for_agenda())
    conflicts = conflicts_for_changes(changes)
    rows = [agenda_row(request, change, conflicts[change.pk]) for change in changes]
    now = timezone.now()
    backlog = emergency_reviews_summary(at=now, limit=REVIEWS_LISTED)
    reviews = [
        {
            "change": change,
            "due": emergency_review_due(change.implemented_at),
            "overdue": emergency_review_overdue(change.change_type, change.state, change.implemented_at, now),
        }
        for change in backlog["oldest"]
    ]
    return render(request, "changes/agenda.html", {"rows": rows, "reviews": reviews, "backlog": backlog})


def agenda_row(request, change, conflicts):
    approvals = list(change.approvals.all())
    mine = next((a for a in approvals if a.by_id == request.user.pk), None)
    may_decide = (
        change.state == ChangeState.SUBMITTED
        and mine is None
        and change.requester_id != request.user.pk
        and roles.has_role(request.user, APPROVER_ROLE.get(change.change_type) or "-")
    )
    return {
        "change": change,
        "conflicts": conflicts,
        "approvals": approvals,
        "approve_count": sum(1 for a in approvals if a.decision == "approve"),
        "quorum": QUORUM[change.change_type],
        "approver_role": (APPROVER_ROLE.get(change.change_type) or "").replace("_", " "),
        "mine": mine,
        "may_decide": may_decide,
    }


@require_POST
def change_decide(request, reference):
    """Approve or reject; from the CAB agenda (htmx: the updated row) or the change page."""
    require_any = (roles.CAB_MEMBER, roles.ON_CALL, roles.DELIVERY_MANAGER)
    roles.require_role(request.user, *require_any)
    change = get_object_or_404(ChangeRequest, reference=reference)
    form = DecisionForm(request.POST)
    error = None
    if not form.is_valid():
        error = "Choose approve or reject."
    else:
        try:
            decide(
                change=change, user=request.user, decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"]
            )
        except ProcessError as exc:
            error = " ".join(r for r in exc.reasons) or exc.detail
    if request.htmx:
        fresh = change_with_details(reference)
        row = agenda_row(request, fresh, change_conflicts(fresh))
        response = render(request, "changes/_agenda_row.html", {"row": row, "error": error})
        if error is None:
            trigger_client_event(response, "changeDecided", {"reference": reference})
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Your decision on {change.reference} is recorded.")
    return redirect(next_url(request, reverse("changes:detail", args=[change.reference])))
