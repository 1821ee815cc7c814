"""The change list (page, CSV export) and the CAB agenda."""

from __future__ import annotations

from ..models import ChangeRequest, ChangeState, ChangeType
from .detail import change_queryset
from .reviews import emergency_reviews_pending, overdue_emergency_reviews

LONG_TEXT_FIELDS = (
    "description", "justification", "impact_systems", "impact_users", "implementation_plan", "rollback_plan",
    "testing_plan", "review_notes",
)


# The change list's ?review= filter: the emergency-review backlog linked from the CAB agenda.
REVIEW_FILTERS = ("pending", "overdue")


def change_list(*, state: str | None = None, review: str | None = None, at=None):
    """The change list (page and CSV): newest first, of one state if given.

    review="pending" or "overdue" lists that part of the emergency-review backlog instead,
    oldest first (the state is not applied then, as the page always did)."""
    if review == "pending":
        return emergency_reviews_pending()
    if review == "overdue":
        return overdue_emergency_reviews(at=at).select_related("requester").prefetch_related(None)
    changes = ChangeRequest.objects.select_related("requester").order_by("-created_at")
    if state:
        changes = changes.filter(state=state)
    return changes


def cab_agenda():
    """What the CAB looks at: submitted normal changes, ordered by window."""
    # The plans and analyses are read on the change's own page, not on the agenda.
    return (
        change_queryset()
        .filter(state=ChangeState.SUBMITTED, change_type=ChangeType.NORMAL)
        .defer(*LONG_TEXT_FIELDS)
        .order_by("window_start", "pk")
    )
