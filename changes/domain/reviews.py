"""Emergency changes are implemented first and reviewed by the CAB within 5 days afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta

from .workflow import COMPLETED, EMERGENCY, FAILED, IMPLEMENTING

EMERGENCY_REVIEW_WITHIN = timedelta(days=5)


def emergency_review_due(implemented_at: datetime | None) -> datetime | None:
    return implemented_at + EMERGENCY_REVIEW_WITHIN if implemented_at else None


def emergency_review_overdue(change_type: str, state: str, implemented_at: datetime | None, at: datetime) -> bool:
    if change_type != EMERGENCY or state not in (IMPLEMENTING, COMPLETED, FAILED):
        return False
    due = emergency_review_due(implemented_at)
    return due is not None and at > due
