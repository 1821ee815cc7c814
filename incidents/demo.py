"""Demo incidents for `make run`: a few in several states, with timelines. Idempotent."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from sla.models import Service

from . import domain
from .models import Incident
from .services import lifecycle, postmortem, timeline

DEMO_SERVICES = [
    ("portal", "Portal", "critical"),
    ("checkout", "Checkout", "critical"),
    ("search", "Search", "standard"),
]


def _services():
    result = {}
    for slug, name, tier in DEMO_SERVICES:
        result[slug], _ = Service.objects.get_or_create(slug=slug, defaults={"name": name, "tier": tier, "sla_target": Decimal("99.9")})
    return result


H, M = timedelta(hours=1), timedelta(minutes=1)


def load(users):
    """The four demo incidents, each opened only if no incident has its title yet."""
    svc = _services()
    now = timezone.now().replace(microsecond=0)
    _sev1_under_way(users, svc, now)
    _sev3_just_detected(users, svc, now)
    _sev2_in_review(users, svc, now)
    _sev4_closed(users, svc, now)


def _open_once(title, *, by, **kwargs):
    """The incident opened now, or None when the demo has opened it before."""
    if Incident.objects.filter(title=title).exists():
        return None
    return lifecycle.incident_open(title=title, by=by, **kwargs)


def _sev1_under_way(users, svc, now):
    """A SEV-1 under way, status update due soon."""
    oncall = users["oncall"]
    inc = _open_once(
        "Checkout returns 502 for all card payments", by=oncall, severity=domain.SEV1, services=[svc["checkout"], svc["portal"]],
        impact_started_at=now - 50 * M, detected_at=now - 45 * M, at=now - 45 * M,
        summary="Payment provider calls time out after the 14:00 deploy.",
    )
    if inc:
        timeline.timeline_append(incident=inc, kind="note", text="Error rate on `/pay` at **38%**.", by=oncall, at=now - 44 * M)
        lifecycle.incident_triage(incident=inc, by=oncall, at=now - 40 * M)
        lifecycle.incident_respond(incident=inc, by=oncall, at=now - 35 * M)
        timeline.timeline_append(incident=inc, kind="decision", text="Roll back checkout to v2.4.3.", by=oncall, at=now - 30 * M)
        timeline.timeline_append(incident=inc, kind="status_update", text="Rollback in progress; card payments still failing.", by=oncall, at=now - 20 * M)


def _sev3_just_detected(users, svc, now):
    """A SEV-3 just detected, nobody on it yet."""
    _open_once(
        "Search suggestions slow in EU", by=users["oncall"], severity=domain.SEV3, services=[svc["search"]],
        impact_started_at=now - 25 * M, detected_at=now - 10 * M, at=now - 10 * M,
        summary="P99 of suggestions at 1.8 s; search itself works.",
    )


def _sev2_in_review(users, svc, now):
    """A SEV-2 resolved yesterday, post-mortem in progress with action items."""
    oncall, manager = users["oncall"], users["manager"]
    inc = _open_once(
        "Portal login loop after session store failover", by=oncall, severity=domain.SEV2, services=[svc["portal"]],
        impact_started_at=now - 30 * H, detected_at=now - 29 * H - 50 * M, at=now - 29 * H - 50 * M,
    )
    if not inc:
        return
    lifecycle.incident_triage(incident=inc, by=oncall, commander=manager, at=now - 29 * H - 30 * M)
    lifecycle.incident_respond(incident=inc, by=oncall, at=now - 29 * H - 20 * M)
    timeline.timeline_append(incident=inc, kind="status_update", text="Users bounced to login; investigating Redis failover.", by=oncall, at=now - 29 * H)
    timeline.timeline_append(incident=inc, kind="action", text="Flushed stale sessions on the new primary.", by=oncall, at=now - 28 * H - 40 * M)
    lifecycle.incident_resolve(incident=inc, by=oncall, at=now - 28 * H - 20 * M)
    lifecycle.incident_review(incident=inc, by=manager, at=now - 20 * H)
    postmortem.postmortem_save(
        incident=inc, by=manager, summary="Users could not stay logged in for 100 minutes.",
        impact="About 40% of portal sessions were dropped.", root_cause="The session store failover kept a stale replica as primary.",
    )
    postmortem.action_item_add(incident=inc, title="Alert on session store role changes", owner=oncall, due_date=(now + 5 * 24 * H).date(), by=manager)
    postmortem.action_item_add(incident=inc, title="Runbook for session store failover", owner=manager, due_date=(now - 24 * H).date(), by=manager)


def _sev4_closed(users, svc, now):
    """A SEV-4 closed last week."""
    oncall = users["oncall"]
    opened = now - 8 * 24 * H
    inc = _open_once(
        "Typo on the status page footer", by=oncall, severity=domain.SEV4, services=[svc["portal"]],
        impact_started_at=opened, detected_at=opened, at=opened,
    )
    if not inc:
        return
    for n, to in enumerate(domain.TARGET_STATES, start=2):  # triage 2 h after opening, then one an hour
        offset = n * H
        if to == domain.RESOLVE:
            timeline.timeline_append(incident=inc, kind="action", text="Fixed the footer text.", by=oncall, at=opened + offset - M)
        lifecycle.incident_transition(incident=inc, to=to, by=oncall, at=opened + offset)
