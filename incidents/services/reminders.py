"""Reminders the beat tasks send: overdue status updates, post-mortems and action items."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from delivery_portal.notifications import notify
from slack_integration import notify as slack_notify

from .. import domain
from ..models import Incident, ReminderLedger
from ..selectors import action_items, incident_clocks, overdue_postmortems, with_clock_facts
from .common import at_or_now, incident_url


def _ledger(*, kind, incident, slot, at, action_item=None) -> bool:
    """Write the ledger row for one reminder; False if it was already sent (idempotent)."""
    try:
        with transaction.atomic():
            ReminderLedger.objects.create(kind=kind, incident=incident, action_item=action_item, slot=slot, sent_at=at)
        return True
    except IntegrityError:
        return False


def remind_overdue_status_updates(*, at: datetime | None = None) -> int:
    """Remind the commander once per missed status update of SEV-1/2 incidents."""
    at = at_or_now(at)
    sent = 0
    candidates = with_clock_facts(
        Incident.objects.select_related("commander").filter(
            severity__in=domain.CADENCE_SEVERITIES, state__in=domain.UPDATE_STATES
        )
    )
    for incident in candidates:
        next_due = incident_clocks(incident, at=at).next_update_due_at
        slot = domain.missed_update_slot(next_due=next_due, at=at)
        if slot is None:
            continue
        with transaction.atomic():
            if not _ledger(kind=ReminderLedger.Kind.STATUS_UPDATE, incident=incident, slot=slot, at=at):
                continue
            users = [incident.commander] if incident.commander_id else []
            notify(
                event="incident.status_update_overdue",
                subject=f"{incident.reference} ({incident.severity}): status update overdue since {slot:%H:%M} UTC",
                body=f"Post a status update on {incident.reference}: {incident.title}. One is due every 30 minutes until resolved.",
                users=users,
                url=incident_url(incident),
                payload={"reference": incident.reference, "due_at": slot.isoformat()},
            )
            slack_notify.status_update_overdue(incident, due_at=slot)
            sent += 1
    return sent


def remind_overdue_postmortems(*, at: datetime | None = None) -> int:
    """Remind once about each overdue post-mortem and each overdue action item."""
    at = at_or_now(at)
    sent = 0
    for incident in overdue_postmortems(at=at):
        due = domain.postmortem_due_at(severity=incident.severity, resolved_at=incident.resolved_at)
        with transaction.atomic():
            if not _ledger(kind=ReminderLedger.Kind.POSTMORTEM, incident=incident, slot=due, at=at):
                continue
            users = [incident.commander] if incident.commander_id else []
            if incident.created_by_id:
                users.append(incident.created_by)
            notify(
                event="incident.postmortem_overdue",
                subject=f"{incident.reference}: post-mortem overdue (was due {due:%Y-%m-%d %H:%M} UTC)",
                body=f"{incident.severity} incidents need a complete post-mortem within 48 hours of resolution.",
                users=users,
                url=incident_url(incident),
                payload={"reference": incident.reference, "due_at": due.isoformat()},
            )
            sent += 1
    for item in action_items(overdue_only=True, at=at):
        incident = item.postmortem.incident
        slot = datetime.combine(item.due_date, datetime.min.time(), tzinfo=timezone.get_current_timezone())
        with transaction.atomic():
            if not _ledger(kind=ReminderLedger.Kind.ACTION_ITEM, incident=incident, action_item=item, slot=slot, at=at):
                continue
            notify(
                event="incident.action_item_overdue",
                subject=f"Action item overdue ({incident.reference}): {item.title}",
                body=f"It was due {item.due_date:%Y-%m-%d}.",
                users=[item.owner],
                url=incident_url(incident),
                payload={"reference": incident.reference, "action_item": item.pk},
            )
            sent += 1
    return sent
