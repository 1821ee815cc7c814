"""What every change of a deployment writes: its event row (who did what, from which
state), the state machine's move, the manager check, and the deployed commits."""

from django.core.exceptions import PermissionDenied

from delivery_portal import roles
from delivery_portal.errors import ProcessError

from .. import domain
from ..models import DeploymentCommit, DeploymentEvent


def event_add(deployment, action, *, at, actor=None, from_state="", reason="", details=None, stage=None):
    return DeploymentEvent.objects.create(
        deployment=deployment,
        at=at,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=deployment.state,
        traffic_percent=deployment.traffic_percent,
        stage_index=stage.index if stage is not None else deployment.current_stage,
        reason=reason,
        details=details or {},
    )


def state_move(deployment, action):
    try:
        deployment.state = domain.transition(deployment.state, action)
    except domain.TransitionError as exc:
        raise ProcessError(str(exc), [str(exc)]) from None


def require_manager(user):
    if user is not None and not roles.has_role(user, roles.DELIVERY_MANAGER):
        raise PermissionDenied("Only delivery managers start and control deployments.")


def commits_add(deployment, commits):
    seen = set()
    for commit in commits or ():
        sha = commit["sha"]
        if sha in seen:
            continue
        seen.add(sha)
        DeploymentCommit.objects.create(deployment=deployment, sha=sha, authored_at=commit["authored_at"])
