"""Emergency changes are reviewed by the CAB within 5 days of implementation: the backlog."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from ..domain.reviews import EMERGENCY_REVIEW_WITHIN
from ..models import ChangeRequest, ChangeState, ChangeType
from .detail import change_queryset


def _review_overdue_q(at) -> Q:
    """SQL twin of domain.reviews.emergency_review_overdue for emergency changes awaiting review."""
    cutoff = at - EMERGENCY_REVIEW_WITHIN
    return Q(state__in=(ChangeState.COMPLETED, ChangeState.FAILED), implementation_ended_at__lt=cutoff) | Q(
        state=ChangeState.IMPLEMENTING, implementation_started_at__lt=cutoff
    )


# Implemented (or being implemented) and not yet reviewed by the CAB.
_AWAITING_REVIEW = Q(
    change_type=ChangeType.EMERGENCY, state__in=(ChangeState.IMPLEMENTING, ChangeState.COMPLETED, ChangeState.FAILED)
)
# The parts of the backlog a list can show (the change list's ?review=).
BACKLOG_PARTS = ("pending", "overdue")


def review_backlog(queryset, part: str, *, at=None):
    """`queryset` narrowed to one part of the emergency-review backlog, oldest first:
    "pending" (every change awaiting review) or "overdue" (more than 5 days after `at`)."""
    if part == "pending":
        return queryset.filter(_AWAITING_REVIEW).order_by("implementation_started_at", "pk")
    if part == "overdue":
        overdue = _review_overdue_q(at or timezone.now())
        return queryset.filter(change_type=ChangeType.EMERGENCY).filter(overdue).order_by("implementation_started_at")
    raise ValueError(f"unknown part of the review backlog: {part!r}")


def overdue_emergency_reviews(*, at=None):
    """Emergency changes implemented more than 5 days before `at` and not yet reviewed."""
    return review_backlog(change_queryset(), "overdue", at=at)


def emergency_reviews_pending():
    """Emergency changes implemented (or being implemented) and not yet reviewed by the CAB."""
    return review_backlog(ChangeRequest.objects.select_related("requester"), "pending")


def emergency_reviews_summary(*, at=None, limit: int = 20) -> dict:
    """The review backlog for the agenda in two queries whatever its size: how many await
    review and how many of them are overdue, and the `limit` oldest (the most overdue first)."""
    at = at or timezone.now()
    pending = emergency_reviews_pending()
    counts = pending.order_by().aggregate(total=Count("pk"), overdue=Count("pk", filter=_review_overdue_q(at)))
    oldest = list(
        pending.only(
            "reference", "title", "state", "change_type", "implementation_started_at", "implementation_ended_at"
        ).select_related(None)[:limit]
    )
    return {"total": counts["total"], "overdue": counts["overdue"], "oldest": oldest}
