"""Reminders to the CAB about emergency changes whose review is overdue."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from delivery_portal.notifications import notify

from ..domain.reviews import emergency_review_due
from ..models import ChangeRequest
from ..selectors.approvers import cab_members
from ..selectors.reviews import overdue_emergency_reviews
from .common import change_url


@transaction.atomic
def emergency_reviews_remind(*, at=None) -> int:
    """Remind the CAB of each overdue emergency review, at most once a day per change."""
    at = at or timezone.now()
    overdue = list(overdue_emergency_reviews(at=at).select_for_update(of=("self",)))
    members = list(cab_members())
    sent = 0
    for change in overdue:
        if change.review_reminded_at and at - change.review_reminded_at < timedelta(days=1):
            continue
        due = emergency_review_due(change.implemented_at)
        notify(
            event="change.emergency_review_overdue",
            subject=f"CAB review overdue: {change.reference} {change.title}",
            body=f"This emergency change was due for CAB review by {due:%Y-%m-%d %H:%M} UTC.",
            users=members,
            url=change_url(change),
            payload={"reference": change.reference, "due": due.isoformat()},
        )
        ChangeRequest.objects.filter(pk=change.pk).update(review_reminded_at=at)
        sent += 1
    return sent
