"""The CAB agenda, and deciding a change from its rows or from the change page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import trigger_client_event

from delivery_portal import formposts, roles

from ..domain.approval import APPROVER_ROLE, QUORUM
from ..domain.reviews import emergency_review_due, emergency_review_overdue
from ..forms import DecisionForm
from ..models import ChangeState
from ..selectors.conflicts import change_conflicts, conflicts_for_changes
from ..selectors.detail import change_detail as change_with_details
from ..selectors.detail import change_or_404
from ..selectors.lists import cab_agenda as changes_for_agenda
from ..selectors.reviews import emergency_reviews_summary
from ..services.decisions import change_decide as decide
from .lists import REVIEWS_LISTED

# Who decides changes (each type by its own role: changes/domain/approval.py).
DECIDERS = (roles.CAB_MEMBER, roles.ON_CALL, roles.DELIVERY_MANAGER)


def _next_url(request, fallback):
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return fallback


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
@roles.role_required(*DECIDERS)
def change_decide(request, reference):
    """Approve or reject; from the CAB agenda (htmx: the updated row) or the change page."""
    change = change_or_404(reference)
    form = DecisionForm(request.POST)
    outcome = formposts.submit(
        form,
        lambda data: decide(change=change, user=request.user, decision=data["decision"], comment=data["comment"]),
        process_on_form=False,
    )
    if request.htmx:
        fresh = change_with_details(reference)
        row = agenda_row(request, fresh, change_conflicts(fresh))
        context = {"row": row, "error": "" if outcome.ok else outcome.error}
        response = render(request, "changes/agenda.html#row", context, status=outcome.status)
        if outcome.ok:
            trigger_client_event(response, "changeDecided", {"reference": reference})
        return response
    if outcome.ok:
        messages.success(request, f"Your decision on {change.reference} is recorded.")
    else:
        formposts.message_failure(request, outcome)
    return redirect(_next_url(request, reverse("changes:detail", args=[change.reference])))
