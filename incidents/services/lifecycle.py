"""Opening an incident, changing its facts and times, and moving it through its states."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from delivery_portal import concurrency
from delivery_portal.audit import save_with_history
from delivery_portal.errors import ProcessError

from .. import domain
from ..models import Incident, IncidentState, PostMortem
from .common import (
    at_or_now,
    check_commander,
    check_times,
    lock,
    notify_stakeholders,
    resolve_user,
    sync_impact,
    system_entry,
)
from .references import allocate_reference

UNSET = object()
TIME_FIELDS = ("impact_started_at", "impact_ended_at", "detected_at", "acknowledged_at", "resolved_at")


@transaction.atomic
def incident_open(
    *,
    title: str,
    severity: str,
    services,
    impact_started_at: datetime,
    detected_at: datetime | None = None,
    summary: str = "",
    counts_against_sla: bool | None = None,
    by=None,
    at: datetime | None = None,
) -> Incident:
    at = at_or_now(at)
    if severity not in domain.SEVERITIES:
        raise ValidationError({"severity": [f"Severity must be one of {', '.join(domain.SEVERITIES)}."]})
    detected_at = detected_at or at
    counts_set = counts_against_sla is not None
    if counts_against_sla is None:
        counts_against_sla = domain.counts_against_sla_default(severity)
    incident = Incident(
        reference=allocate_reference(year=detected_at.year),
        title=title,
        summary=summary,
        severity=severity,
        state=IncidentState.DETECT,
        counts_against_sla=counts_against_sla,
        counts_against_sla_set=counts_set,
        impact_started_at=impact_started_at,
        detected_at=detected_at,
        created_by=by if getattr(by, "pk", None) else None,
    )
    check_times(incident)
    save_with_history(incident, by=by, reason="opened")
    incident.services.set(list(services))
    system_entry(incident, text=f"Incident opened as {severity}.", at=detected_at, by=by)
    sync_impact(incident)
    notify_stakeholders(incident, event="incident.opened", subject=f"{incident.reference} opened ({severity}): {title}", body=summary)
    return incident


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    by=None,
    title=UNSET,
    summary=UNSET,
    severity=UNSET,
    services=UNSET,
    counts_against_sla=UNSET,
    caused_by_deployment=UNSET,
    caused_by_change=UNSET,
    reason: str = "",
    at: datetime | None = None,
    expected_version=None,
) -> Incident:
    """Change the facts of an incident. A severity change re-times the clocks from detection.

    `expected_version`: the `edit_version` the editor saw; someone else's edit since then
    raises ConcurrentEditError (delivery_portal.concurrency). None asks for no check.
    """
    at = at_or_now(at)
    incident = lock(incident)
    _refuse_new_severity_when_closed(incident, severity)
    concurrency.claim(incident, expected_version, noun="incident")
    notes: list[str] = []  # what the timeline says about the change
    changed = _set_facts(
        incident, notes, title=title, summary=summary,
        caused_by_deployment=caused_by_deployment, caused_by_change=caused_by_change,
    )
    changed = _set_severity(incident, severity, notes) or changed
    changed = _set_counting(incident, counts_against_sla, notes) or changed
    if changed:
        save_with_history(incident, by=by, reason=reason or "updated")
    _set_services(incident, services, notes)
    for note in notes:
        system_entry(incident, text=note, at=at, by=by)
    sync_impact(incident)
    return incident


def _refuse_new_severity_when_closed(incident: Incident, severity) -> None:
    if severity is not UNSET and severity != incident.severity and incident.state == IncidentState.CLOSED:
        # Closing checked the post-mortem the severity required; a new severity now would
        # slip past that check (and re-time clocks that have stopped).
        raise ProcessError(
            f"{incident.reference} is closed: its severity can no longer change.",
            ["A closed incident keeps the severity it was closed with."],
        )


def _set_facts(incident: Incident, notes: list[str], **facts) -> bool:
    """Title, summary and causes given (not UNSET); True if any changed. Causes get a note."""
    changed = False
    for name, value in facts.items():
        if value is not UNSET and getattr(incident, name) != value:
            setattr(incident, name, value)
            changed = True
            if name == "caused_by_deployment":
                notes.append(f"Caused by deployment #{value.pk} ({value.service} {value.version})." if value else "Cause by deployment cleared.")
            elif name == "caused_by_change":
                notes.append(f"Caused by change {value.reference}." if value else "Cause by change cleared.")
    return changed


def _set_severity(incident: Incident, severity, notes: list[str]) -> bool:
    """A new severity re-times the clocks from detection (said in the note)."""
    if severity is UNSET or severity == incident.severity:
        return False
    if severity not in domain.SEVERITIES:
        raise ValidationError({"severity": [f"Severity must be one of {', '.join(domain.SEVERITIES)}."]})
    old = incident.severity
    incident.severity = severity
    notes.append(
        f"Severity changed from {old} to {severity}; clocks re-timed from detection "
        f"(response due {domain.response_due_at(severity, incident.detected_at):%Y-%m-%d %H:%M} UTC, "
        f"resolution due {domain.resolution_due_at(severity, incident.detected_at):%Y-%m-%d %H:%M} UTC)."
    )
    return True


def _set_counting(incident: Incident, counts_against_sla, notes: list[str]) -> bool:
    """Counting against the SLA: as given (and from then on set by hand), else it follows the
    (maybe new) severity until someone sets it."""
    changed = False
    if counts_against_sla is not UNSET:
        if not incident.counts_against_sla_set:
            incident.counts_against_sla_set = True
            changed = True
    elif not incident.counts_against_sla_set:
        counts_against_sla = domain.counts_against_sla_default(incident.severity)  # follows the severity
    if counts_against_sla is not UNSET and counts_against_sla != incident.counts_against_sla:
        incident.counts_against_sla = counts_against_sla
        changed = True
        notes.append("Now counts against the SLA." if counts_against_sla else "No longer counts against the SLA.")
    return changed


def _set_services(incident: Incident, services, notes: list[str]) -> None:
    if services is UNSET:
        return
    new = {s.pk for s in services}
    old = set(incident.services.values_list("pk", flat=True))
    if new != old:
        if not new:
            raise ValidationError({"services": ["An incident affects at least one service."]})
        incident.services.set(list(services))
        names = ", ".join(sorted(s.slug for s in services))
        notes.append(f"Affected services: {names}.")


@transaction.atomic
def incident_correct_times(*, incident: Incident, by=None, reason: str = "", at: datetime | None = None, **times) -> Incident:
    """Correct recorded times; the old and new values stay in the audit trail with `reason`."""
    at = at_or_now(at)
    unknown = set(times) - set(TIME_FIELDS)
    if unknown:
        raise ValueError(f"not a time of an incident: {', '.join(sorted(unknown))}")
    incident = lock(incident)
    notes = []
    for name, value in times.items():
        old = getattr(incident, name)
        if old is not None and value is not None and abs(old - value) < timedelta(seconds=1):
            continue  # forms show whole seconds: not a correction
        if old != value:
            if name in ("impact_started_at", "detected_at") and value is None:
                raise ValidationError({name: ["This time cannot be removed."]})
            setattr(incident, name, value)
            label = name.replace("_", " ").replace(" at", "")
            notes.append(
                f"Corrected {label}: {old:%Y-%m-%d %H:%M} → " if old else f"Corrected {label}: — → "
            )
            notes[-1] += f"{value:%Y-%m-%d %H:%M} UTC" if value else "—"
    if not notes:
        return incident
    check_times(incident)
    save_with_history(incident, by=by, reason=("corrected times: " + reason) if reason else "corrected times")
    text = " ".join(notes) + (f" Reason: {reason}" if reason else "")
    system_entry(incident, text=text, at=at, by=by)
    sync_impact(incident)
    return incident


def _guard(incident: Incident, to: str, at) -> None:
    completed = False
    if to == IncidentState.CLOSED:
        pm = PostMortem.objects.filter(incident=incident).first()
        completed = bool(pm and pm.completed_at)
    reasons = domain.transition_blockers(
        state=incident.state, to=to, severity=incident.severity, postmortem_completed=completed, at=at, detected_at=incident.detected_at
    )
    if reasons:
        raise ProcessError(reasons[0], reasons)


@transaction.atomic
def incident_triage(*, incident: Incident, by=None, commander=None, at: datetime | None = None) -> Incident:
    """Assign the incident commander (the caller if none given), acknowledge, notify stakeholders."""
    at = at_or_now(at)
    incident = lock(incident)
    _guard(incident, IncidentState.TRIAGE, at)
    commander = resolve_user(commander) or by
    if commander is None or not getattr(commander, "pk", None):
        raise ValidationError({"commander": ["Triage needs an incident commander."]})
    check_commander(commander)
    incident.state = IncidentState.TRIAGE
    incident.commander = commander
    incident.acknowledged_at = at
    save_with_history(incident, by=by, reason="triaged")
    due = domain.response_due_at(incident.severity, incident.detected_at)
    met = "met" if at <= due else "breached"
    system_entry(incident, text=f"Triaged; incident commander **{commander.username}**. Response target {met}.", at=at, by=by)
    notify_stakeholders(
        incident,
        event="incident.triaged",
        subject=f"{incident.reference} ({incident.severity}) triaged, commander {commander.username}: {incident.title}",
        body=incident.summary,
    )
    return incident


@transaction.atomic
def incident_assign_commander(*, incident: Incident, commander, by=None, at: datetime | None = None) -> Incident:
    at = at_or_now(at)
    incident = lock(incident)
    commander = resolve_user(commander)
    if commander is None:
        raise ValidationError({"commander": ["Name the new incident commander."]})
    check_commander(commander)
    if incident.state == IncidentState.CLOSED:
        raise ProcessError("A closed incident keeps its commander.")
    if incident.commander_id == commander.pk:
        return incident
    incident.commander = commander
    save_with_history(incident, by=by, reason="commander assigned")
    system_entry(incident, text=f"Incident commander is now **{commander.username}**.", at=at, by=by)
    notify_stakeholders(incident, event="incident.commander", subject=f"{incident.reference}: {commander.username} is the incident commander")
    return incident


@transaction.atomic
def incident_respond(*, incident: Incident, by=None, at: datetime | None = None) -> Incident:
    at = at_or_now(at)
    incident = lock(incident)
    _guard(incident, IncidentState.RESPOND, at)
    incident.state = IncidentState.RESPOND
    save_with_history(incident, by=by, reason="responding")
    system_entry(incident, text="Response under way.", at=at, by=by)
    return incident


@transaction.atomic
def incident_resolve(*, incident: Incident, by=None, impact_ended_at: datetime | None = None, at: datetime | None = None) -> Incident:
    at = at_or_now(at)
    incident = lock(incident)
    _guard(incident, IncidentState.RESOLVE, at)
    incident.state = IncidentState.RESOLVE
    incident.resolved_at = at
    # An end of impact already recorded (a resolved alert, a correction) is a fact: resolving
    # later must not stretch the impact, and the error budget, to the moment of the click.
    incident.impact_ended_at = impact_ended_at or incident.impact_ended_at or at
    check_times(incident)
    save_with_history(incident, by=by, reason="resolved")
    due = domain.resolution_due_at(incident.severity, incident.detected_at)
    met = "met" if at <= due else "breached"
    text = f"Resolved; impact ended {incident.impact_ended_at:%Y-%m-%d %H:%M} UTC. Resolution target {met}."
    pm_due = domain.postmortem_due_at(severity=incident.severity, resolved_at=at)
    if pm_due:
        text += f" Post-mortem due by {pm_due:%Y-%m-%d %H:%M} UTC."
        PostMortem.objects.get_or_create(incident=incident)
    system_entry(incident, text=text, at=at, by=by)
    sync_impact(incident)
    notify_stakeholders(incident, event="incident.resolved", subject=f"{incident.reference} resolved: {incident.title}", body=text)
    return incident


@transaction.atomic
def incident_review(*, incident: Incident, by=None, at: datetime | None = None) -> Incident:
    at = at_or_now(at)
    incident = lock(incident)
    _guard(incident, IncidentState.REVIEW, at)
    incident.state = IncidentState.REVIEW
    save_with_history(incident, by=by, reason="in review")
    system_entry(incident, text="In review.", at=at, by=by)
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, by=None, at: datetime | None = None) -> Incident:
    at = at_or_now(at)
    incident = lock(incident)
    _guard(incident, IncidentState.CLOSED, at)
    incident.state = IncidentState.CLOSED
    save_with_history(incident, by=by, reason="closed")
    system_entry(incident, text="Closed.", at=at, by=by)
    notify_stakeholders(incident, event="incident.closed", subject=f"{incident.reference} closed: {incident.title}")
    return incident


def incident_transition(*, incident: Incident, to: str, by=None, at=None, commander=None, impact_ended_at=None) -> Incident:
    """Dispatch a requested transition to its service (each checks the transition table)."""
    if to == IncidentState.TRIAGE:
        return incident_triage(incident=incident, by=by, commander=commander, at=at)
    if to == IncidentState.RESPOND:
        return incident_respond(incident=incident, by=by, at=at)
    if to == IncidentState.RESOLVE:
        return incident_resolve(incident=incident, by=by, impact_ended_at=impact_ended_at, at=at)
    if to == IncidentState.REVIEW:
        return incident_review(incident=incident, by=by, at=at)
    if to == IncidentState.CLOSED:
        return incident_close(incident=incident, by=by, at=at)
    reasons = domain.transition_blockers(state=incident.state, to=to, severity=incident.severity)
    raise ProcessError(reasons[0] if reasons else f"Cannot move to {to}.", reasons)
