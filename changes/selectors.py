"""Reads of the changes app for pages, the API and other apps."""

from django.utils import timezone

from .models import ChangeRequest, ChangeState, ChangeType

# States in which the work of a change may be carried out.
DEPLOYABLE_STATES = {ChangeState.APPROVED, ChangeState.SCHEDULED, ChangeState.IMPLEMENTING}


def change_deploy_blockers(change: ChangeRequest, *, at=None) -> list[str]:
    """Why a production deployment linked to `change` may not run at `at` (empty: it may).

    Used by the deployment gates. A change must be approved (or later, up to implementing),
    `at` must fall inside its window, and normal/expedited changes need a rollback plan.
    """
    at = at or timezone.now()
    reasons = []
    if change.state not in DEPLOYABLE_STATES:
        reasons.append(f"Change {change.reference} is {change.get_state_display().lower()}, not approved.")
    if change.window_start is None or change.window_end is None:
        reasons.append(f"Change {change.reference} has no scheduled window.")
    elif not (change.window_start <= at <= change.window_end):
        reasons.append(
            f"Now ({at:%Y-%m-%d %H:%M} UTC) is outside the window of change {change.reference} "
            f"({change.window_start:%Y-%m-%d %H:%M}–{change.window_end:%Y-%m-%d %H:%M} UTC)."
        )
    if change.change_type in (ChangeType.NORMAL, ChangeType.EXPEDITED) and not change.rollback_plan.strip():
        reasons.append(f"Change {change.reference} has no documented rollback plan.")
    return reasons
