"""A delivery manager's controls of a running rollout: pause, resume, promote early, roll back."""

import math

from django.db import transaction
from django.utils import timezone

from delivery_portal.errors import ProcessError
from delivery_portal.outbox import enqueue

from .. import domain
from ..models import OPEN_STAGE_STATES, Deployment, StageState, TrafficShift
from .events import event_add, require_manager, state_move
from .stages import ADVANCE_TASK, current_stage_of, rollout_halt, stage_advance


def _locked(deployment):
    return Deployment.objects.select_for_update(of=("self",)).select_related("service__team").get(pk=deployment.pk)


@transaction.atomic
def deployment_pause(*, deployment, by, reason="", at=None) -> Deployment:
    require_manager(by)
    deployment, at = _locked(deployment), at or timezone.now()
    from_state = deployment.state
    state_move(deployment, "pause")
    deployment.save(update_fields=["state"])
    event_add(deployment, "pause", at=at, actor=by, from_state=from_state, reason=reason)
    return deployment


@transaction.atomic
def deployment_resume(*, deployment, by, reason="", at=None) -> Deployment:
    require_manager(by)
    deployment, at = _locked(deployment), at or timezone.now()
    from_state = deployment.state
    state_move(deployment, "resume")
    deployment.save(update_fields=["state"])
    event_add(deployment, "resume", at=at, actor=by, from_state=from_state, reason=reason)
    stage = current_stage_of(deployment)
    if stage is not None and stage.state in OPEN_STAGE_STATES:
        if stage.state == StageState.HOLDING:
            stage.state = StageState.MONITORING
            stage.save(update_fields=["state"])
        countdown = max(0, math.ceil((stage.due_at - at).total_seconds())) if stage.due_at else 0
        enqueue(ADVANCE_TASK, countdown=countdown, deployment_id=deployment.pk)
    return deployment


@transaction.atomic
def deployment_promote(*, deployment, by, reason, at=None) -> Deployment:
    """Skip the rest of the current stage's monitoring (recorded with the reason)."""
    require_manager(by)
    if not (reason or "").strip():
        raise ProcessError("Promoting early needs a reason.", ["Promoting early needs a reason."])
    deployment, at = _locked(deployment), at or timezone.now()
    if (deployment.state, "promote") not in domain.TRANSITIONS:
        state_move(deployment, "promote")  # raises ProcessError saying why
    stage = current_stage_of(deployment)
    if stage is None:
        raise ProcessError("There is no stage to promote.", ["There is no stage to promote."])
    deployment.shifts.filter(state=TrafficShift.State.PENDING).update(state=TrafficShift.State.SUPERSEDED)
    stage_advance(deployment, stage, at=at, actor=by, action="promote", reason=reason.strip())
    return deployment


@transaction.atomic
def deployment_rollback(*, deployment, by, reason="", at=None) -> Deployment:
    require_manager(by)
    deployment, at = _locked(deployment), at or timezone.now()
    rollout_halt(deployment, action="rollback", reason=(reason or "").strip() or f"Rolled back by {by}.", at=at, actor=by)
    return deployment
