"""Celery tasks of the rollout engine. Thin: ids in, services do the work, idempotent."""

import logging

from celery import shared_task

from delivery_portal.outbox import enqueue

from . import selectors
from .routers import RouterError
from .services import engine, traffic

log = logging.getLogger(__name__)

SHIFT_MAX_RETRIES = 5


@shared_task
def advance_rollout(deployment_id: int):
    """Enqueued with a countdown when a stage starts. The state guard in rollout_tick makes
    an early, late or repeated delivery harmless."""
    return engine.rollout_tick(deployment_id=deployment_id)


@shared_task
def advance_due_rollouts():
    """Beat (every 30 s): whatever is due according to the database, whether or not its
    countdown message survived (a restarted worker, a purged queue)."""
    done = 0
    for deployment_id in selectors.due_deployment_ids():
        try:
            engine.rollout_tick(deployment_id=deployment_id)
            done += 1
        except Exception:  # one broken rollout must not stop the others
            log.exception("rollout %s could not advance", deployment_id)
    for shift_id in selectors.stuck_shift_ids():
        enqueue("deployments.tasks.apply_traffic_shift", shift_id=shift_id)
    return done


@shared_task(bind=True, max_retries=SHIFT_MAX_RETRIES)
def apply_traffic_shift(self, shift_id: int):
    """Run the environment's router for one shift; retried with backoff, then the rollout fails."""
    final = self.request.retries >= SHIFT_MAX_RETRIES
    try:
        return traffic.traffic_shift_apply(shift_id=shift_id, final_attempt=final)
    except RouterError as exc:
        raise self.retry(exc=exc, countdown=min(2 ** self.request.retries * 5, 300)) from exc
