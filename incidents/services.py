"""Every state change of incidents. Keyword-only, atomic, audited (history + timeline)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from delivery_portal import concurrency, references
from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify
from sla.models import Service
from sla.services import impact_window_sync

from . import domain
from .markdown import sanitised_html
from .models import (
    ActionItem,
    AlertFingerprint,
    Incident,
    IncidentState,
    PostMortem,
    TimelineEntry,
    TimelineKind,
)

UNSET = object()
TIME_FIELDS = ("impact_started_at", "impact_ended_at", "detected_at", "acknowledged_at", "resolved_at")


# --- helpers -----------------------------------------------------------------------------
def _now(at):
    return at or timezone.now()


def _save(obj, *, by=None, reason: str = "", update_fields=None):
    """Save with the acting user and a reason on the history record."""
    if by is not None and getattr(by, "is_authenticated", False):
        obj._history_user = by
    if reason:
        obj._change_reason = reason[:100]
    obj.save()
    for attr in ("_history_user", "_change_reason"):
        if hasattr(obj, attr):
            delattr(obj, attr)


def _sync_impact(incident: Incident) -> None:
    """The SLA error budget counts only what this writes."""
    impact_window_sync(
        source_ref=incident.reference,
        title=incident.title,
        services=list(incident.services.all()),
        started_at=incident.impact_started_at,
        ended_at=incident.impact_ended_at,
        counts_against_sla=incident.counts_against_sla,
    )


def _system_entry(incident: Incident, *, text: str, at, by=None, kind=TimelineKind.ACTION) -> TimelineEntry:
    entry = TimelineEntry(
        incident=incident, at=at, kind=kind, text=text, text_html=sanitised_html(text), author=by if getattr(by, "pk", None) else None
    )
    _save(entry, by=by)
    return entry


def _incident_url(incident: Incident) -> str:
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


def _notify(incident: Incident, *, event: str, subject: str, body: str = "") -> None:
    users, emails, hooks = _stakeholders(incident)
    notify(
        event=event,
        subject=subject,
        body=body,
        users=users,
        emails=emails,
        webhook_urls=hooks,
        url=_incident_url(incident),
        payload=_payload(incident),
    )


def _lock(incident: Incident) -> Incident:
    """Re-read the incident under a row lock (serialises changes to one incident)."""
    return Incident.objects.select_for_update(of=("self",)).select_related("commander").get(pk=incident.pk)


def _resolve_user(username_or_user):
    if username_or_user is None or hasattr(username_or_user, "pk"):
        return username_or_user
    User = get_user_model()
    try:
        return User.objects.get(username=username_or_user, is_active=True)
    except User.DoesNotExist:
        raise ValidationError({"commander": [f"No active user called {username_or_user!r}."]}) from None


def _check_commander(user) -> None:
    from delivery_portal import roles

    if not roles.has_role(user, roles.ON_CALL):
        raise ValidationError({"commander": [f"{user.username} is not on-call staff (needs the on_call role) and cannot command an incident."]})


# --- references --------------------------------------------------------------------------
def allocate_reference(*, year: int) -> str:
    """Next INC-YYYY-NNNN (the detection year), unique under concurrency."""
    return references.allocate(prefix="INC", year=year, model=Incident)


# --- open and change ---------------------------------------------------------------------
def _check_times(incident: Incident) -> None:
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
    at = _now(at)
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
    _check_times(incident)
    _save(incident, by=by, reason="opened")
    incident.services.set(list(services))
    _system_entry(incident, text=f"Incident opened as {severity}.", at=detected_at, by=by)
    _sync_impact(incident)
    _notify(incident, event="incident.opened", subject=f"{incident.reference} opened ({severity}): {title}", body=summary)
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
    at = _now(at)
    incident = _lock(incident)
    if severity is not UNSET and severity != incident.severity and incident.state == IncidentState.CLOSED:
        # Closing checked the post-mortem the severity required; a new severity now would
        # slip past that check (and re-time clocks that have stopped).
        raise ProcessError(
            f"{incident.reference} is closed: its severity can no longer change.",
            ["A closed incident keeps the severity it was closed with."],
        )
    concurrency.claim(incident, expected_version, noun="incident")
    notes = []
    changed = False
    for name, value in (("title", title), ("summary", summary), ("caused_by_deployment", caused_by_deployment), ("caused_by_change", caused_by_change)):
        if value is not UNSET and getattr(incident, name) != value:
            setattr(incident, name, value)
            changed = True
            if name == "caused_by_deployment":
                notes.append(f"Caused by deployment #{value.pk} ({value.service} {value.version})." if value else "Cause by deployment cleared.")
            elif name == "caused_by_change":
                notes.append(f"Caused by change {value.reference}." if value else "Cause by change cleared.")
    if severity is not UNSET and severity != incident.severity:
        if severity not in domain.SEVERITIES:
            raise ValidationError({"severity": [f"Severity must be one of {', '.join(domain.SEVERITIES)}."]})
        old = incident.severity
        incident.severity = severity
        changed = True
        notes.append(
            f"Severity changed from {old} to {severity}; clocks re-timed from detection "
            f"(response due {domain.response_due_at(severity, incident.detected_at):%Y-%m-%d %H:%M} UTC, "
            f"resolution due {domain.resolution_due_at(severity, incident.detected_at):%Y-%m-%d %H:%M} UTC)."
        )
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
    if changed:
        _save(incident, by=by, reason=reason or "updated")
    if services is not UNSET:
        new = {s.pk for s in services}
        old = set(incident.services.values_list("pk", flat=True))
        if new != old:
            if not new:
                raise ValidationError({"services": ["An incident affects at least one service."]})
            incident.services.set(list(services))
            names = ", ".join(sorted(s.slug for s in services))
            notes.append(f"Affected services: {names}.")
    for note in notes:
        _system_entry(incident, text=note, at=at, by=by)
    _sync_impact(incident)
    return incident


@transaction.atomic
def incident_correct_times(*, incident: Incident, by=None, reason: str = "", at: datetime | None = None, **times) -> Incident:
    """Correct recorded times; the old and new values stay in the audit trail with `reason`."""
    at = _now(at)
    unknown = set(times) - set(TIME_FIELDS)
    if unknown:
        raise ValueError(f"not a time of an incident: {', '.join(sorted(unknown))}")
    incident = _lock(incident)
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
    _check_times(incident)
    _save(incident, by=by, reason=("corrected times: " + reason) if reason else "corrected times")
    text = " ".join(notes) + (f" Reason: {reason}" if reason else "")
    _system_entry(incident, text=text, at=at, by=by)
    _sync_impact(incident)
    return incident


# --- transitions -------------------------------------------------------------------------
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
    at = _now(at)
    incident = _lock(incident)
    _guard(incident, IncidentState.TRIAGE, at)
    commander = _resolve_user(commander) or by
    if commander is None or not getattr(commander, "pk", None):
        raise ValidationError({"commander": ["Triage needs an incident commander."]})
    _check_commander(commander)
    incident.state = IncidentState.TRIAGE
    incident.commander = commander
    incident.acknowledged_at = at
    _save(incident, by=by, reason="triaged")
    due = domain.response_due_at(incident.severity, incident.detected_at)
    met = "met" if at <= due else "breached"
    _system_entry(incident, text=f"Triaged; incident commander **{commander.username}**. Response target {met}.", at=at, by=by)
    _notify(
        incident,
        event="incident.triaged",
        subject=f"{incident.reference} ({incident.severity}) triaged, commander {commander.username}: {incident.title}",
        body=incident.summary,
    )
    return incident


@transaction.atomic
def incident_assign_commander(*, incident: Incident, commander, by=None, at: datetime | None = None) -> Incident:
    at = _now(at)
    incident = _lock(incident)
    commander = _resolve_user(commander)
    if commander is None:
        raise ValidationError({"commander": ["Name the new incident commander."]})
    _check_commander(commander)
    if incident.state == IncidentState.CLOSED:
        raise ProcessError("A closed incident keeps its commander.")
    if incident.commander_id == commander.pk:
        return incident
    incident.commander = commander
    _save(incident, by=by, reason="commander assigned")
    _system_entry(incident, text=f"Incident commander is now **{commander.username}**.", at=at, by=by)
    _notify(incident, event="incident.commander", subject=f"{incident.reference}: {commander.username} is the incident commander")
    return incident


@transaction.atomic
def incident_respond(*, incident: Incident, by=None, at: datetime | None = None) -> Incident:
    at = _now(at)
    incident = _lock(incident)
    _guard(incident, IncidentState.RESPOND, at)
    incident.state = IncidentState.RESPOND
    _save(incident, by=by, reason="responding")
    _system_entry(incident, text="Response under way.", at=at, by=by)
    return incident


@transaction.atomic
def incident_resolve(*, incident: Incident, by=None, impact_ended_at: datetime | None = None, at: datetime | None = None) -> Incident:
    at = _now(at)
    incident = _lock(incident)
    _guard(incident, IncidentState.RESOLVE, at)
    incident.state = IncidentState.RESOLVE
    incident.resolved_at = at
    # An end of impact already recorded (a resolved alert, a correction) is a fact: resolving
    # later must not stretch the impact, and the error budget, to the moment of the click.
    incident.impact_ended_at = impact_ended_at or incident.impact_ended_at or at
    _check_times(incident)
    _save(incident, by=by, reason="resolved")
    due = domain.resolution_due_at(incident.severity, incident.detected_at)
    met = "met" if at <= due else "breached"
    text = f"Resolved; impact ended {incident.impact_ended_at:%Y-%m-%d %H:%M} UTC. Resolution target {met}."
    pm_due = domain.postmortem_due_at(severity=incident.severity, resolved_at=at)
    if pm_due:
        text += f" Post-mortem due by {pm_due:%Y-%m-%d %H:%M} UTC."
        PostMortem.objects.get_or_create(incident=incident)
    _system_entry(incident, text=text, at=at, by=by)
    _sync_impact(incident)
    _notify(incident, event="incident.resolved", subject=f"{incident.reference} resolved: {incident.title}", body=text)
    return incident


@transaction.atomic
def incident_review(*, incident: Incident, by=None, at: datetime | None = None) -> Incident:
    at = _now(at)
    incident = _lock(incident)
    _guard(incident, IncidentState.REVIEW, at)
    incident.state = IncidentState.REVIEW
    _save(incident, by=by, reason="in review")
    _system_entry(incident, text="In review.", at=at, by=by)
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, by=None, at: datetime | None = None) -> Incident:
    at = _now(at)
    incident = _lock(incident)
    _guard(incident, IncidentState.CLOSED, at)
    incident.state = IncidentState.CLOSED
    _save(incident, by=by, reason="closed")
    _system_entry(incident, text="Closed.", at=at, by=by)
    _notify(incident, event="incident.closed", subject=f"{incident.reference} closed: {incident.title}")
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


# --- timeline ----------------------------------------------------------------------------
@transaction.atomic
def timeline_append(*, incident: Incident, kind: str, text: str, by=None, at: datetime | None = None) -> TimelineEntry:
    """Append one entry. Each append is its own row, so concurrent appends never overwrite."""
    at = _now(at)
    if kind not in TimelineKind.values:
        raise ValidationError({"kind": [f"Kind must be one of {', '.join(TimelineKind.values)}."]})
    if not (text or "").strip():
        raise ValidationError({"text": ["Write something."]})
    incident = _lock(incident)  # serialises appends with state changes of the same incident
    if incident.state == IncidentState.CLOSED:
        raise ProcessError("The incident is closed: its timeline is final.")
    text = text.strip()
    entry = TimelineEntry(
        incident=incident, at=at, kind=kind, text=text, text_html=sanitised_html(text), author=by if getattr(by, "pk", None) else None
    )
    _save(entry, by=by)
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
    return entry


@transaction.atomic
def timeline_edit(*, entry: TimelineEntry, text: str, by=None, at: datetime | None = None) -> TimelineEntry:
    """Edit an entry's text; the previous text stays in the entry's history."""
    if not (text or "").strip():
        raise ValidationError({"text": ["Write something."]})
    entry = TimelineEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.text == text.strip():
        return entry
    entry.text = text.strip()
    entry.text_html = sanitised_html(entry.text)  # stored sanitised, rendered as is
    entry.edited_at = _now(at)
    _save(entry, by=by, reason="edited")
    return entry


# --- post-mortem -------------------------------------------------------------------------
POSTMORTEM_FIELDS = tuple(name for name, _label in domain.POSTMORTEM_SECTIONS)


@transaction.atomic
def postmortem_save(*, incident: Incident, by=None, expected_version=None, **sections) -> PostMortem:
    """Write the post-mortem's sections (made on the first save).

    `expected_version`: the `edit_version` the editor saw (delivery_portal.concurrency; a
    post-mortem not written yet is at version 1); someone else's save since then raises
    ConcurrentEditError and nothing is written. None asks for no check (the version still moves).
    """
    unknown = set(sections) - set(POSTMORTEM_FIELDS)
    if unknown:
        raise ValueError(f"not a post-mortem section: {', '.join(sorted(unknown))}")
    incident = _lock(incident)
    if incident.state not in (IncidentState.RESOLVE, IncidentState.REVIEW, IncidentState.CLOSED):
        raise ProcessError("A post-mortem is written once the incident is resolved.")
    pm, _ = PostMortem.objects.select_for_update().get_or_create(incident=incident)
    concurrency.claim(pm, expected_version, noun="post-mortem")
    pm = PostMortem.objects.select_for_update().get(pk=pm.pk)
    for name, value in sections.items():
        setattr(pm, name, value or "")
    if pm.completed_at and domain.postmortem_missing_sections({n: getattr(pm, n) for n in POSTMORTEM_FIELDS}):
        pm.completed_at = None  # emptied a section: no longer complete
        pm.completed_by = None
    _save(pm, by=by, reason="edited")
    return pm


@transaction.atomic
def postmortem_complete(*, incident: Incident, by=None, at: datetime | None = None) -> PostMortem:
    at = _now(at)
    incident = _lock(incident)
    pm = PostMortem.objects.select_for_update().filter(incident=incident).first()
    if pm is None:
        raise ProcessError("There is no post-mortem to complete yet.")
    missing = domain.postmortem_missing_sections({n: getattr(pm, n) for n in POSTMORTEM_FIELDS})
    if missing:
        raise ProcessError("The post-mortem is not complete: " + ", ".join(missing) + " still empty.", [f"Missing: {m}" for m in missing])
    if pm.completed_at:
        return pm
    pm.completed_at = at
    pm.completed_by = by if getattr(by, "pk", None) else None
    _save(pm, by=by, reason="completed")
    _system_entry(incident, text="Post-mortem completed.", at=max(at, incident.detected_at), by=by)
    return pm


@transaction.atomic
def action_item_add(*, incident: Incident, title: str, owner, due_date, by=None) -> ActionItem:
    incident = _lock(incident)
    if incident.state not in (IncidentState.RESOLVE, IncidentState.REVIEW, IncidentState.CLOSED):
        raise ProcessError("Action items belong to the post-mortem, written once the incident is resolved.")
    owner = _resolve_user(owner)
    pm, _ = PostMortem.objects.get_or_create(incident=incident)
    item = ActionItem(postmortem=pm, title=title, owner=owner, due_date=due_date)
    _save(item, by=by)
    notify(
        event="incident.action_item",
        subject=f"Action item for you ({incident.reference}): {title}",
        body=f"Due {due_date:%Y-%m-%d}.",
        users=[owner],
        url=_incident_url(incident),
    )
    return item


@transaction.atomic
def action_item_set_status(*, item: ActionItem, status: str, by=None) -> ActionItem:
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": [f"Status must be one of {', '.join(ActionItem.Status.values)}."]})
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    if item.status != status:
        item.status = status
        _save(item, by=by, reason=f"status {status}")
    return item


# --- Alertmanager ------------------------------------------------------------------------
def _alert_time(value) -> datetime | None:
    if not value or str(value).startswith("0001-01-01"):
        return None
    try:
        parsed = parse_datetime(str(value).replace("Z", "+00:00")) if isinstance(value, str) else value
    except (ValueError, OverflowError):  # well-formed but impossible (month 13, offset 25 h)
        return None
    if not isinstance(parsed, datetime):
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.utc)
    return parsed


def _fingerprint(alert: dict) -> str:
    fp = alert.get("fingerprint")
    if fp:
        return str(fp)[:128]
    labels = json.dumps(alert.get("labels") or {}, sort_keys=True)
    return "sha256:" + hashlib.sha256(labels.encode()).hexdigest()[:64]


def _str_map(value) -> dict:
    """Labels and annotations are string maps in Alertmanager; anything else is ignored."""
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None and not isinstance(v, (dict, list))}


def _clean_alert(alert: dict) -> dict:
    """One alert with the shapes the rest of the ingest relies on (malformed parts dropped)."""
    clean = {"labels": _str_map(alert.get("labels")), "annotations": _str_map(alert.get("annotations"))}
    for key in ("status", "fingerprint", "startsAt", "endsAt"):
        value = alert.get(key)
        if isinstance(value, str):
            clean[key] = value
    return clean


def alert_ingest(*, payload: dict, by=None, at: datetime | None = None) -> dict:
    """Open, update or resolve incidents from an Alertmanager (v4) webhook payload.

    Each alert in its own transaction: one bad alert does not lose the others.
    The same fingerprint never opens a second incident while its incident is not closed.
    """
    at = _now(at)
    result = {"opened": [], "updated": [], "resolved": [], "ignored": []}
    common = _str_map(payload.get("commonLabels"))
    alerts = payload.get("alerts")
    for alert in alerts if isinstance(alerts, list) else []:
        if not isinstance(alert, dict):
            continue
        alert = _clean_alert(alert)
        try:
            outcome, reference = _alert_one(alert=alert, common=common, by=by, at=at)
        except IntegrityError:  # the same new fingerprint arrived twice at once: the other won
            outcome, reference = _alert_one(alert=alert, common=common, by=by, at=at)
        result[outcome].append(reference)
    return result


@transaction.atomic
def _alert_one(*, alert: dict, common: dict, by, at) -> tuple[str, str]:
    labels = {**common, **(alert.get("labels") or {})}
    annotations = alert.get("annotations") or {}
    fingerprint = _fingerprint(alert)
    status = (alert.get("status") or "firing").lower()
    starts_at = _alert_time(alert.get("startsAt")) or at
    ends_at = _alert_time(alert.get("endsAt"))
    alertname = labels.get("alertname", "")
    known = AlertFingerprint.objects.select_for_update(of=("self",)).select_related("incident").filter(fingerprint=fingerprint).first()

    if status == "resolved":
        if known is None:
            return "ignored", fingerprint
        end = ends_at or at
        known.status = "resolved"
        known.ends_at = end
        known.last_seen_at = at
        known.save()
        incident = _lock(known.incident)
        if incident.impact_ended_at is None or incident.state in domain.ACTIVE_STATES:
            if end < incident.impact_started_at:
                end = incident.impact_started_at
            incident.impact_ended_at = end
            _save(incident, by=by, reason="alert resolved")
            _sync_impact(incident)
        _system_entry(
            incident,
            text=f"Alert `{alertname or fingerprint}` resolved; impact ended {end:%Y-%m-%d %H:%M} UTC.",
            at=max(at, incident.detected_at),
            by=by,
            kind=TimelineKind.NOTE,
        )
        return "resolved", incident.reference

    if known is not None and known.incident.state != IncidentState.CLOSED:
        incident = known.incident
        was_resolved = known.status == "resolved"
        known.status = "firing"
        known.last_seen_at = at
        known.times_fired += 1
        known.ends_at = None
        known.save()
        if was_resolved:
            incident = _lock(incident)
            if incident.state in domain.ACTIVE_STATES and incident.impact_ended_at is not None:
                incident.impact_ended_at = None
                _save(incident, by=by, reason="alert firing again")
                _sync_impact(incident)
            _system_entry(incident, text=f"Alert `{alertname or fingerprint}` firing again.", at=max(at, incident.detected_at), by=by, kind=TimelineKind.NOTE)
        return "updated", incident.reference

    severity = domain.severity_from_alert(labels.get("severity")) or domain.SEV3
    slugs = [s.strip() for s in str(labels.get("service", "")).split(",") if s.strip()]
    services = list(Service.objects.filter(slug__in=slugs))
    title = (annotations.get("summary") or annotations.get("title") or alertname or "Alert from monitoring")[:200]
    summary_parts = [annotations.get("description", "")]
    missing = sorted(set(slugs) - {s.slug for s in services})
    if missing:
        summary_parts.append(f"Unknown service label: {', '.join(missing)}.")
    if not slugs:
        summary_parts.append("The alert named no service (label `service`).")
    impact_started = min(starts_at, at)
    incident = incident_open(
        title=title,
        severity=severity,
        services=services,
        impact_started_at=impact_started,
        detected_at=at,
        summary="\n\n".join(p for p in summary_parts if p),
        by=by,
        at=at,
    )
    _system_entry(
        incident,
        text=f"Opened from Alertmanager alert `{alertname or fingerprint}` (severity label `{labels.get('severity', '')}`).",
        at=at,
        by=by,
        kind=TimelineKind.NOTE,
    )
    if known is not None:  # its incident was closed: the fingerprint now points at the new one
        known.incident = incident
        known.status = "firing"
        known.labels = labels
        known.starts_at = starts_at
        known.ends_at = None
        known.last_seen_at = at
        known.times_fired += 1
        known.save()
    else:
        AlertFingerprint.objects.create(
            fingerprint=fingerprint,
            incident=incident,
            alertname=alertname[:200],
            labels=labels,
            status="firing",
            starts_at=starts_at,
            first_seen_at=at,
            last_seen_at=at,
        )
    return "opened", incident.reference


# --- reminders (run by the beat tasks) ----------------------------------------------------
def _ledger(*, kind, incident, slot, at, action_item=None) -> bool:
    """Write the ledger row for one reminder; False if it was already sent (idempotent)."""
    from .models import ReminderLedger

    try:
        with transaction.atomic():
            ReminderLedger.objects.create(kind=kind, incident=incident, action_item=action_item, slot=slot, sent_at=at)
        return True
    except IntegrityError:
        return False


def remind_overdue_status_updates(*, at: datetime | None = None) -> int:
    """Remind the commander once per missed status update of SEV-1/2 incidents."""
    from .models import ReminderLedger
    from .selectors import incident_clocks, with_clock_facts

    at = _now(at)
    sent = 0
    candidates = with_clock_facts(
        Incident.objects.select_related("commander").filter(
            severity__in=domain.CADENCE_SEVERITIES, state__in=[IncidentState.TRIAGE, IncidentState.RESPOND]
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
                url=_incident_url(incident),
                payload={"reference": incident.reference, "due_at": slot.isoformat()},
            )
            sent += 1
    return sent


def remind_overdue_postmortems(*, at: datetime | None = None) -> int:
    """Remind once about each overdue post-mortem and each overdue action item."""
    from .models import ReminderLedger
    from .selectors import action_items, overdue_postmortems

    at = _now(at)
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
                url=_incident_url(incident),
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
                url=_incident_url(incident),
                payload={"reference": incident.reference, "action_item": item.pk},
            )
            sent += 1
    return sent
