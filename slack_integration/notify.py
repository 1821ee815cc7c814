"""Team notifications in Slack: the hooks the other apps call where they already notify.

Each hook is one line in the caller, inside its transaction: it builds the Block Kit
message and, for every team concerned that has a `slack_webhook_url`, writes a
SlackDelivery row and enqueues its delivery through the outbox (sent from Celery after
commit, retried, never twice: slack_integration.delivery).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from delivery_portal.outbox import enqueue

from . import blocks
from .models import SlackDelivery

DELIVER_TASK = "slack_integration.tasks.deliver_message"
LOUD_SEVERITIES = ("SEV-1", "SEV-2")  # only these reach the channels


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send(team, *, event: str, message: dict) -> SlackDelivery | None:
    """Queue `message` for `team`'s channel (nothing when the team has no Slack webhook)."""
    if team is None or not getattr(team, "slack_webhook_url", ""):
        return None
    delivery = SlackDelivery.objects.create(team=team, event=event, message=message)
    enqueue(DELIVER_TASK, delivery_id=delivery.pk)
    return delivery


def _teams(services) -> list:
    teams = {}
    for service in services:
        if service.team_id and service.team.slack_webhook_url:
            teams[service.team_id] = service.team
    return list(teams.values())


# --- incidents ---------------------------------------------------------------------------------
def incident_event(incident, event: str, note: str = "") -> None:
    """incidents' `_notify`: SEV-1/2 declared (incident.opened) and resolved."""
    kinds = {"incident.opened": "declared", "incident.resolved": "resolved"}
    if event not in kinds or incident.severity not in LOUD_SEVERITIES:
        return
    services = list(incident.services.select_related("team"))
    message = blocks.incident(
        kind=kinds[event], reference=incident.reference, severity=incident.severity, title=incident.title,
        services=[s.name for s in services], state=incident.get_state_display(),
        commander=incident.commander.username if incident.commander_id else None,
        url=absolute(reverse("incidents:detail", args=[incident.reference])), note=note,
    )
    for team in _teams(services):
        send(team, event=event, message=message)


def status_update_overdue(incident, *, due_at) -> None:
    """incidents' overdue status-update reminder (once per missed slot: its ledger guards)."""
    services = list(incident.services.select_related("team"))
    message = blocks.status_update_overdue(
        reference=incident.reference, severity=incident.severity, title=incident.title, due_at=due_at,
        commander=incident.commander.username if incident.commander_id else None,
        url=absolute(reverse("incidents:detail", args=[incident.reference])),
    )
    for team in _teams(services):
        send(team, event="incident.status_update_overdue", message=message)


# --- SLAs ----------------------------------------------------------------------------------------
def freeze_changed(freeze, *, imposed: bool) -> None:
    """sla's freeze start and end."""
    service = freeze.service
    by = freeze.started_by if imposed else freeze.ended_by
    message = blocks.freeze(
        imposed=imposed, service=service.name, reason=freeze.reason if imposed else freeze.end_reason,
        by=by.username if by else None, url=absolute(reverse("sla:service", args=[service.slug])),
    )
    send(service.team, event="freeze.started" if imposed else "freeze.lifted", message=message)


# --- changes -------------------------------------------------------------------------------------
def change_awaiting_approval(change) -> None:
    """changes' submit: a change that waits for the CAB (or whoever decides its type)."""
    from changes.domain.approval import APPROVER_ROLE, QUORUM

    role = APPROVER_ROLE.get(change.change_type)
    if role is None:
        return
    approvers = {"cab_member": "the CAB", "delivery_manager": "a delivery manager", "on_call": "on-call staff"}.get(role, role)
    message = blocks.change_awaiting(
        reference=change.reference, title=change.title, change_type=change.get_change_type_display(),
        requester=change.requester.username, window_start=change.window_start, window_end=change.window_end,
        approvers=approvers, quorum=QUORUM[change.change_type],
        url=absolute(reverse("changes:detail", args=[change.reference])),
    )
    for team in _teams(change.services.select_related("team")):
        send(team, event="change.approval_needed", message=message)


# --- deployments ---------------------------------------------------------------------------------
def deployment_halted(deployment) -> None:
    """deployments' halt: a gate breach, a rollback or a failure."""
    message = blocks.deployment_halted(
        service=deployment.service.name, version=deployment.version, environment=deployment.environment,
        state=deployment.get_state_display().lower(), reason=deployment.halt_reason or "",
        url=absolute(reverse("deployments:detail", args=[deployment.pk])),
    )
    send(deployment.service.team, event=f"deployment.{deployment.state}", message=message)
