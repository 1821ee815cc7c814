"""The change list (page, CSV export) and the CAB agenda."""

from __future__ import annotations

from ..models import ChangeRequest, ChangeState, ChangeType
from .detail import change_queryset

LONG_TEXT_FIELDS = (
    "description", "justification", "impact_systems", "impact_users", "implementation_plan", "rollback_plan",
    "testing_plan", "review_notes",
)


def change_rows():
    """The change list's rows (the page and its CSV export; changes/filtersets.py filters
    them): newest first, with the requester."""
    return ChangeRequest.objects.select_related("requester").order_by("-created_at")


def cab_agenda():
    """What the CAB looks at: submitted normal changes, ordered by window."""
    # The plans and analyses are read on the change's own page, not on the agenda.
    return (
        change_queryset()
        .filter(state=ChangeState.SUBMITTED, change_type=ChangeType.NORMAL)
        .defer(*LONG_TEXT_FIELDS)
        .order_by("window_start", "pk")
    )
