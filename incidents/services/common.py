"""Helpers shared by the incident services: the clock, history saves, locks, the timeline's
system entries, the SLA impact sync and notifying stakeholders."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from delivery_portal.audit import save_with_history
from delivery_portal.notifications import notify
from slack_integration import notify as slack_notify
from sla.services.impact import impact_window_sync

from ..markdown import sanitised_html
from ..models import Incident, TimelineEntry, TimelineKind


def at_or_now(at):
    return at or timezone.now()


def sync_impact(incident: Incident) -> None:
    """The SLA error budget counts only what this writes."""
    impact_window_sync(
        source_ref=incident.reference,
        title=incident.title,
        services=list(incident.services.all()),
        started_at=incident.impact_started_at,
        ended_at=incident.impact_ended_at,
        counts_against_sla=incident.counts_against_sla,
    )


def system_entry(incident: Incident, *, text: str, at, by=None, kind=TimelineKind.ACTION) -> TimelineEntry:
    entry = TimelineEntry(
        incident=incident, at=at, kind=kind, text=text, text_html=sanitised_html(text), author=by if getattr(by, "pk", None) else None
    )
    save_with_history(entry, by=by)
    return entry


def incident_url(incident: Incident) -> str:
    return reverse("incidents:detail", kwargs={"reference": incident.reference})


def _stakeholders(incident: Incident):
    """Who hears about an incident: its commander, creator, and the teams of its services."""
    users, emails, hooks = [], [], []
    if incident.commander_id:
        users.append(incident.commander)
    if incident.created_by_id:
        users.append(incident.created_by)
    for service in incident.services.select_related("team").prefetch_related("team__members"):
        team = service.team
        if team is None:
            continue
        users.extend(team.members.all())
        if team.email:
            emails.append(team.email)
        if team.webhook_url:
            hooks.append(team.webhook_url)
    return users, emails, hooks


def _payload(incident: Incident) -> dict:
    return {
        "reference": incident.reference,
        "title": incident.title,
        "severity": incident.severity,
        "state": incident.state,
        "services": [s.slug for s in incident.services.all()],
        "commander": incident.commander.username if incident.commander_id else None,
    }


def notify_stakeholders(incident: Incident, *, event: str, subject: str, body: str = "") -> None:
    users, emails, hooks = _stakeholders(incident)
    notify(
        event=event,
        subject=subject,
        body=body,
        users=users,
        emails=emails,
        webhook_urls=hooks,
        url=incident_url(incident),
        payload=_payload(incident),
    )
    slack_notify.incident_event(incident, event, note=body if event == "incident.resolved" else "")


def lock(incident: Incident) -> Incident:
    """Re-read the incident under a row lock (serialises changes to one incident)."""
    return Incident.objects.select_for_update(of=("self",)).select_related("commander").get(pk=incident.pk)


def resolve_user(username_or_user):
    if username_or_user is None or hasattr(username_or_user, "pk"):
        return username_or_user
    User = get_user_model()
    try:
        return User.objects.get(username=username_or_user, is_active=True)
    except User.DoesNotExist:
        raise ValidationError({"commander": [f"No active user called {username_or_user!r}."]}) from None


def check_commander(user) -> None:
    from delivery_portal import roles

    if not roles.has_role(user, roles.ON_CALL):
        raise ValidationError({"commander": [f"{user.username} is not on-call staff (needs the on_call role) and cannot command an incident."]})


def check_times(incident: Incident) -> None:
    errors = {}
    if incident.detected_at and incident.impact_started_at and incident.detected_at < incident.impact_started_at:
        errors["detected_at"] = ["Detection cannot be before the impact started."]
    if incident.impact_ended_at and incident.impact_ended_at < incident.impact_started_at:
        errors["impact_ended_at"] = ["The impact cannot end before it started."]
    if incident.acknowledged_at and incident.acknowledged_at < incident.detected_at:
        errors["acknowledged_at"] = ["Acknowledgement cannot be before detection."]
    if incident.resolved_at and incident.resolved_at < incident.detected_at:
        errors["resolved_at"] = ["Resolution cannot be before detection."]
    if errors:
        raise ValidationError(errors)
