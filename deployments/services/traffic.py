"""The answer to a requested traffic shift: the router's (run by a task, retried) or a
person's confirmation that they moved the traffic (manual router)."""

from django.db import transaction
from django.utils import timezone

from delivery_portal.errors import ProcessError

from .. import domain
from ..models import Deployment, TrafficShift
from ..routers import RouterError, get_router
from ..selectors import environment_config
from .events import event_add, require_manager
from .stages import rollout_halt, rollout_notify, shift_done


def traffic_shift_apply(*, shift_id: int, final_attempt: bool = False) -> str:
    """Run the router for a pending automatic shift (called by the task, which retries).

    The router's I/O happens outside any transaction; the result is applied under a row
    lock, and only if the shift is still pending (idempotent).
    """
    shift = TrafficShift.objects.select_related("deployment__service", "stage").filter(pk=shift_id).first()
    if shift is None or shift.state != TrafficShift.State.PENDING:
        return "gone"
    config = environment_config(shift.deployment.environment)
    router = get_router(shift.router_kind, config.router_settings)
    try:
        router.apply(deployment=shift.deployment, to_percent=shift.to_percent, stage=shift.stage, rollback=shift.is_rollback)
    except RouterError as exc:
        TrafficShift.objects.filter(pk=shift.pk).update(attempts=shift.attempts + 1, error=str(exc)[:1000])
        if final_attempt:
            traffic_shift_failed(shift_id=shift.pk, error=str(exc))
            return "failed"
        raise
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update(of=("self",)).get(pk=shift.deployment_id)
        shift = TrafficShift.objects.select_for_update(of=("self",)).get(pk=shift.pk)
        if shift.state != TrafficShift.State.PENDING:
            return "gone"
        TrafficShift.objects.filter(pk=shift.pk).update(attempts=shift.attempts + 1)
        shift_done(deployment, shift, stage=shift.stage, at=timezone.now())
    return "applied"


@transaction.atomic
def traffic_shift_failed(*, shift_id: int, error: str):
    shift = TrafficShift.objects.select_for_update(of=("self",)).filter(pk=shift_id).first()
    if shift is None or shift.state != TrafficShift.State.PENDING:
        return
    shift.state = TrafficShift.State.FAILED
    shift.error = error[:1000]
    shift.save(update_fields=["state", "error"])
    deployment = Deployment.objects.select_for_update(of=("self",)).get(pk=shift.deployment_id)
    at = timezone.now()
    if shift.is_rollback:
        event_add(deployment, "rollback_shift_failed", at=at, reason=error, details={"to": shift.to_percent})
        rollout_notify(deployment, "deployment.rollback_failed",
              f"Traffic of {deployment} could not be moved back: {error}. Move it by hand.")
        return
    if deployment.state in domain.ACTIVE:
        rollout_halt(deployment, action="fail", reason=f"The {shift.router_kind} router could not move traffic: {error}", at=at)


@transaction.atomic
def traffic_shift_confirm(*, deployment, by, at=None) -> TrafficShift:
    """A person confirms that they moved the traffic (manual router)."""
    require_manager(by)
    at = at or timezone.now()
    deployment = Deployment.objects.select_for_update(of=("self",)).get(pk=deployment.pk)
    shift = deployment.shifts.select_related("stage").filter(state=TrafficShift.State.PENDING).order_by("-pk").first()
    if shift is None:
        raise ProcessError("No traffic shift is waiting for confirmation.", ["No traffic shift is waiting for confirmation."])
    shift_done(deployment, shift, stage=shift.stage, at=at, actor=by)
    return shift
