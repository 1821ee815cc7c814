"""The changes app's part of the deployment gates."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ..domain.submission import rollback_problem
from ..models import BlackoutWindow, ChangeRequest, ChangeState, ChangeType

# States in which the work of a change may be carried out.
DEPLOYABLE_STATES = {ChangeState.APPROVED, ChangeState.SCHEDULED, ChangeState.IMPLEMENTING}


def change_deploy_blockers(change: ChangeRequest, *, at=None) -> list[str]:
    """Why a production deployment linked to `change` may not run at `at` (empty: it may).

    Used by the deployment gates. A change must be approved (or later, up to implementing),
    `at` must fall inside its window, normal/expedited changes need a rollback plan, and
    no blackout window of its services (or of the whole organisation) may cover `at`,
    except for emergency changes. Deploy freezes are the deployment gates' own rule.
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
    problem = rollback_problem(change.change_type, change.rollback_plan)
    if problem:
        reasons.append(f"Change {change.reference} has no documented rollback plan.")
    if change.change_type != ChangeType.EMERGENCY and change.pk:
        service_ids = [s.pk for s in change.services.all()]
        blackouts = BlackoutWindow.objects.filter(starts_at__lte=at, ends_at__gt=at).filter(
            Q(services__isnull=True) | Q(services__in=service_ids)
        ).distinct()
        for blackout in blackouts:
            reasons.append(
                f"Blackout window {blackout.title!r} ({blackout.starts_at:%Y-%m-%d %H:%M}–"
                f"{blackout.ends_at:%Y-%m-%d %H:%M} UTC): no changes go out."
            )
    return reasons
