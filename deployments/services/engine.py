"""The engine's step: metrics pulled or pushed, each sample judged at once (a breach halts
and rolls back), and the current stage ended when it is due."""

import logging

from django.db import transaction
from django.utils import timezone

from delivery_portal.errors import ProcessError

from .. import domain
from ..models import OPEN_STAGE_STATES, Deployment, DeploymentState, MetricSample
from ..providers import ProviderError, get_provider
from ..selectors import environment_config
from .stages import current_stage_of, gates_evaluate, rollout_halt, stage_end

log = logging.getLogger(__name__)


def rollout_tick(*, deployment_id: int, at=None) -> str | None:
    """One step of the engine for one deployment (tasks call it; idempotent).

    Pulls metrics when the environment's provider pulls them (outside the transaction),
    records them, halts on a breach, and ends the current stage when it is due.
    """
    deployment = Deployment.objects.select_related("service").filter(pk=deployment_id).first()
    if deployment is None or deployment.state not in domain.ACTIVE:
        return deployment.state if deployment else None
    config = environment_config(deployment.environment)
    provider = get_provider(config.metrics_provider, config.metrics_settings)
    pulled, problem = None, ""
    if provider.pulls:
        try:
            pulled = provider.fetch(deployment=deployment) or domain.Metrics()
        except ProviderError as exc:
            pulled, problem = domain.Metrics(), str(exc)
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update(of=("self",)).select_related("service__team").get(pk=deployment_id)
        if deployment.state not in domain.ACTIVE:
            return deployment.state
        at = at or timezone.now()
        stage = current_stage_of(deployment)
        if stage is None or stage.state not in OPEN_STAGE_STATES:
            return deployment.state  # traffic still moving: nothing to judge yet
        if pulled is not None:
            deployment.last_checked_at = at
            deployment.save(update_fields=["last_checked_at"])
            if _sample(deployment, stage, pulled, at=at, source="prometheus", note=problem):
                return deployment.state
        if deployment.state in (DeploymentState.RUNNING, DeploymentState.HOLDING) and stage.due_at and stage.due_at <= at:
            if deployment.state == DeploymentState.HOLDING and pulled is None:
                return deployment.state  # push provider: only a new sample can end a hold
            stage_end(deployment, stage, at=at)
        return deployment.state


def _sample(deployment, stage, metrics, *, at, source, note="") -> bool:
    """Record one sample and judge it alone. True if it halted the rollout."""
    MetricSample.objects.create(
        deployment=deployment, stage=stage, at=at, source=source,
        error_rate=None if domain._missing(metrics.error_rate) else metrics.error_rate,
        p99_ms=None if domain._missing(metrics.p99_ms) else metrics.p99_ms, healthy=metrics.healthy,
    )
    result = gates_evaluate(deployment, stage, metrics, at=at, trigger=source)
    if result.decision == "breach":
        rollout_halt(deployment, action="breach", reason=" ".join(result.reasons), at=at, stage=stage)
        return True
    if note:
        log.warning("deployment %s: %s", deployment.pk, note)
    return False


@transaction.atomic
def metrics_push(*, deployment, at=None, error_rate=None, p99_ms=None, healthy=None, by=None):
    """Values pushed by monitoring or a pipeline. A breach halts and rolls back at once;
    during a hold, data that passes ends the stage."""
    deployment = Deployment.objects.select_for_update(of=("self",)).select_related("service__team").get(pk=deployment.pk)
    if deployment.state not in domain.ACTIVE:
        detail = f"Deployment {deployment.pk} is {deployment.get_state_display().lower()}; it takes no metrics."
        raise ProcessError(detail, [detail])
    at = at or timezone.now()
    stage = current_stage_of(deployment)
    metrics = domain.Metrics(error_rate, p99_ms, healthy)
    if stage is None or stage.state not in OPEN_STAGE_STATES:
        # Traffic not moved yet: a breach still counts (the new version is deployed).
        if _sample(deployment, stage, metrics, at=at, source="push"):
            return deployment
        return deployment
    if _sample(deployment, stage, metrics, at=at, source="push"):
        return deployment
    if deployment.state == DeploymentState.HOLDING or (
        deployment.state == DeploymentState.RUNNING and stage.due_at and stage.due_at <= timezone.now()
    ):
        stage_end(deployment, stage, at=max(at, stage.due_at) if stage.due_at else at)
    return deployment
