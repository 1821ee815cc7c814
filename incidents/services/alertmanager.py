"""Incidents opened, updated and resolved from Prometheus Alertmanager webhooks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from delivery_portal.audit import save_with_history
from sla.models import Service

from .. import domain
from ..models import AlertFingerprint, IncidentState, TimelineKind
from .common import at_or_now, lock, sync_impact, system_entry
from .lifecycle import incident_open


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
    at = at_or_now(at)
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


@dataclass(frozen=True)
class _Alert:
    """One alert of the payload, its labels merged over the group's common labels."""

    fingerprint: str
    labels: dict
    annotations: dict
    status: str  # "firing" or "resolved"
    starts_at: datetime
    ends_at: datetime | None
    alertname: str

    @property
    def name(self) -> str:
        """How the timeline names the alert."""
        return self.alertname or self.fingerprint


def _parse(alert: dict, common: dict, at: datetime) -> _Alert:
    labels = {**common, **(alert.get("labels") or {})}
    return _Alert(
        fingerprint=_fingerprint(alert),
        labels=labels,
        annotations=alert.get("annotations") or {},
        status=(alert.get("status") or "firing").lower(),
        starts_at=_alert_time(alert.get("startsAt")) or at,
        ends_at=_alert_time(alert.get("endsAt")),
        alertname=labels.get("alertname", ""),
    )


@transaction.atomic
def _alert_one(*, alert: dict, common: dict, by, at) -> tuple[str, str]:
    """(outcome, reference) for one alert: resolved, updated, opened or ignored."""
    parsed = _parse(alert, common, at)
    known = AlertFingerprint.objects.select_for_update(of=("self",)).select_related("incident").filter(fingerprint=parsed.fingerprint).first()
    if parsed.status == "resolved":
        if known is None:
            return "ignored", parsed.fingerprint
        return "resolved", _alert_resolved(parsed, known, by=by, at=at)
    if known is not None and known.incident.state != IncidentState.CLOSED:
        return "updated", _alert_fired_again(parsed, known, by=by, at=at)
    return "opened", _alert_opens_incident(parsed, known, by=by, at=at)


def _alert_resolved(alert: _Alert, known: AlertFingerprint, *, by, at) -> str:
    """The end of impact is recorded (not before it started); the incident stays where it is."""
    end = alert.ends_at or at
    known.status = "resolved"
    known.ends_at = end
    known.last_seen_at = at
    known.save()
    incident = lock(known.incident)
    if incident.impact_ended_at is None or incident.state in domain.ACTIVE_STATES:
        if end < incident.impact_started_at:
            end = incident.impact_started_at
        incident.impact_ended_at = end
        save_with_history(incident, by=by, reason="alert resolved")
        sync_impact(incident)
    system_entry(
        incident,
        text=f"Alert `{alert.name}` resolved; impact ended {end:%Y-%m-%d %H:%M} UTC.",
        at=max(at, incident.detected_at),
        by=by,
        kind=TimelineKind.NOTE,
    )
    return incident.reference


def _alert_fired_again(alert: _Alert, known: AlertFingerprint, *, by, at) -> str:
    """The same alert on an incident not closed: counted; a resolved one reopens the impact."""
    incident = known.incident
    was_resolved = known.status == "resolved"
    known.status = "firing"
    known.last_seen_at = at
    known.times_fired += 1
    known.ends_at = None
    known.save()
    if was_resolved:
        incident = lock(incident)
        if incident.state in domain.ACTIVE_STATES and incident.impact_ended_at is not None:
            incident.impact_ended_at = None
            save_with_history(incident, by=by, reason="alert firing again")
            sync_impact(incident)
        system_entry(incident, text=f"Alert `{alert.name}` firing again.", at=max(at, incident.detected_at), by=by, kind=TimelineKind.NOTE)
    return incident.reference


def _alert_opens_incident(alert: _Alert, known: AlertFingerprint | None, *, by, at) -> str:
    """A new incident from the alert's labels and annotations; the fingerprint points at it."""
    labels, annotations = alert.labels, alert.annotations
    severity = domain.severity_from_alert(labels.get("severity")) or domain.SEV3
    slugs = [s.strip() for s in str(labels.get("service", "")).split(",") if s.strip()]
    services = list(Service.objects.filter(slug__in=slugs))
    title = (annotations.get("summary") or annotations.get("title") or alert.alertname or "Alert from monitoring")[:200]
    summary_parts = [annotations.get("description", "")]
    missing = sorted(set(slugs) - {s.slug for s in services})
    if missing:
        summary_parts.append(f"Unknown service label: {', '.join(missing)}.")
    if not slugs:
        summary_parts.append("The alert named no service (label `service`).")
    incident = incident_open(
        title=title,
        severity=severity,
        services=services,
        impact_started_at=min(alert.starts_at, at),
        detected_at=at,
        summary="\n\n".join(p for p in summary_parts if p),
        by=by,
        at=at,
    )
    system_entry(
        incident,
        text=f"Opened from Alertmanager alert `{alert.name}` (severity label `{labels.get('severity', '')}`).",
        at=at,
        by=by,
        kind=TimelineKind.NOTE,
    )
    _point_fingerprint(alert, known, incident, at=at)
    return incident.reference


def _point_fingerprint(alert: _Alert, known: AlertFingerprint | None, incident, *, at) -> None:
    if known is not None:  # its incident was closed: the fingerprint now points at the new one
        known.incident = incident
        known.status = "firing"
        known.labels = alert.labels
        known.starts_at = alert.starts_at
        known.ends_at = None
        known.last_seen_at = at
        known.times_fired += 1
        known.save()
    else:
        AlertFingerprint.objects.create(
            fingerprint=alert.fingerprint,
            incident=incident,
            alertname=alert.alertname[:200],
            labels=alert.labels,
            status="firing",
            starts_at=alert.starts_at,
            first_seen_at=at,
            last_seen_at=at,
        )
