"""Rules and arithmetic of incidents: severity clocks, the state machine, status-update
cadence, the post-mortem rule and references. Pure Python: no ORM, no I/O; every function
that depends on "now" takes `at`.

The vocabulary of incidents lives here and nowhere else: the severities and the states,
with the groups of states other code asks about (still going on, open, resolved). The
models' choices, forms, serializers and other apps import these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SEV1, SEV2, SEV3, SEV4 = "SEV-1", "SEV-2", "SEV-3", "SEV-4"
SEVERITIES = (SEV1, SEV2, SEV3, SEV4)

DETECT, TRIAGE, RESPOND, RESOLVE, REVIEW, CLOSED = "detect", "triage", "respond", "resolve", "review", "closed"
STATES = (DETECT, TRIAGE, RESPOND, RESOLVE, REVIEW, CLOSED)
# States in which the incident is still going on (the clocks run, impact may go on); the
# dashboard's "open incidents".
ACTIVE_STATES = (DETECT, TRIAGE, RESPOND)
# States listed as "open" (anything not closed).
OPEN_STATES = (DETECT, TRIAGE, RESPOND, RESOLVE, REVIEW)
# States with a commander and the response under way: SEV-1/2 status updates are due.
UPDATE_STATES = (TRIAGE, RESPOND)
# Resolved or later: the post-mortem and its action items may be written.
RESOLVED_STATES = (RESOLVE, REVIEW, CLOSED)


@dataclass(frozen=True)
class Targets:
    criteria: str
    response: timedelta
    resolution: timedelta


# Measured from detection. Response is met by triage (commander assigned), resolution by RESOLVE.
SEVERITY_TARGETS: dict[str, Targets] = {
    SEV1: Targets("Complete outage or data loss", timedelta(minutes=15), timedelta(hours=4)),
    SEV2: Targets("Major feature unavailable", timedelta(minutes=30), timedelta(hours=8)),
    SEV3: Targets("Minor feature impact, workaround available", timedelta(hours=2), timedelta(hours=24)),
    SEV4: Targets("Cosmetic, no customer impact", timedelta(hours=8), timedelta(days=5)),
}

# The explicit transition table: (state, target) -> who may do it. No skipping, no going back.
TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (DETECT, TRIAGE): ("on_call", "delivery_manager"),
    (TRIAGE, RESPOND): ("on_call", "delivery_manager"),
    (RESPOND, RESOLVE): ("on_call", "delivery_manager"),
    (RESOLVE, REVIEW): ("on_call", "delivery_manager"),
    (REVIEW, CLOSED): ("on_call", "delivery_manager"),
}
# The states a transition may ask for (every state but the one an incident starts in).
TARGET_STATES = tuple(dict.fromkeys(to for _frm, to in TRANSITIONS))

STATUS_UPDATE_INTERVAL = timedelta(minutes=30)
CADENCE_SEVERITIES = (SEV1, SEV2)
POSTMORTEM_SEVERITIES = (SEV1, SEV2)
POSTMORTEM_DEADLINE = timedelta(hours=48)
# The sections a post-mortem needs before it can be completed (field name, label).
POSTMORTEM_SECTIONS = (
    ("summary", "summary"),
    ("impact", "impact"),
    ("root_cause", "root cause"),
    ("contributing_factors", "contributing factors"),
    ("went_well", "what went well"),
    ("went_badly", "what went badly"),
)

ALERT_SEVERITY = {
    "critical": SEV1,
    "major": SEV2,
    "error": SEV2,
    "warning": SEV3,
    "minor": SEV3,
    "info": SEV4,
}


# --- Severity ----------------------------------------------------------------------------
def counts_against_sla_default(severity: str) -> bool:
    """SEV-1 and SEV-2 count against the error budget unless said otherwise."""
    return severity in (SEV1, SEV2)


def severity_from_alert(label: str | None) -> str | None:
    """Alertmanager `severity` label -> SEV-n (None if unknown)."""
    if not label:
        return None
    value = label.strip()
    if value.upper() in SEVERITIES:
        return value.upper()
    compact = value.upper().replace(" ", "").replace("_", "-")
    if compact in {s.replace("-", "") for s in SEVERITIES}:
        return f"SEV-{compact[-1]}"
    return ALERT_SEVERITY.get(value.lower())


# --- Clocks ------------------------------------------------------------------------------
def response_due_at(severity: str, detected_at: datetime) -> datetime:
    return detected_at + SEVERITY_TARGETS[severity].response


def resolution_due_at(severity: str, detected_at: datetime) -> datetime:
    return detected_at + SEVERITY_TARGETS[severity].resolution


def response_breached(*, severity: str, detected_at: datetime, acknowledged_at: datetime | None, at: datetime) -> bool:
    """Met by triage: breached if triaged after the target, or not triaged and `at` is past it."""
    due = response_due_at(severity, detected_at)
    if acknowledged_at is not None:
        return acknowledged_at > due
    return at > due


def resolution_breached(*, severity: str, detected_at: datetime, resolved_at: datetime | None, at: datetime) -> bool:
    due = resolution_due_at(severity, detected_at)
    if resolved_at is not None:
        return resolved_at > due
    return at > due


def next_update_due_at(
    *, severity: str, state: str, triaged_at: datetime | None, last_status_update_at: datetime | None
) -> datetime | None:
    """SEV-1/2 from triage until resolved: 30 minutes after the last status update (or triage).

    None when no update is due (other severities, not yet triaged, or resolved and later).
    """
    if severity not in CADENCE_SEVERITIES or state not in UPDATE_STATES or triaged_at is None:
        return None
    base = triaged_at
    if last_status_update_at is not None and last_status_update_at > base:
        base = last_status_update_at
    return base + STATUS_UPDATE_INTERVAL


def missed_update_slot(*, next_due: datetime | None, at: datetime) -> datetime | None:
    """The latest missed status-update slot at `at` (None if nothing is overdue).

    The first missed update is due at `next_due`; if nobody posts, another one is missed
    every 30 minutes after it. Each slot is reminded once (the ledger keys on it).
    """
    if next_due is None or at <= next_due:
        return None
    missed = (at - next_due) // STATUS_UPDATE_INTERVAL
    return next_due + missed * STATUS_UPDATE_INTERVAL


def update_overdue(next_due: datetime | None, at: datetime) -> bool:
    return next_due is not None and at > next_due


# --- Post-mortem -------------------------------------------------------------------------
def postmortem_required(severity: str) -> bool:
    return severity in POSTMORTEM_SEVERITIES


def postmortem_due_at(*, severity: str, resolved_at: datetime | None) -> datetime | None:
    """48 hours after resolution for SEV-1/2; None when none is needed (or not yet resolved)."""
    if not postmortem_required(severity) or resolved_at is None:
        return None
    return resolved_at + POSTMORTEM_DEADLINE


def postmortem_overdue(
    *, severity: str, resolved_at: datetime | None, completed_at: datetime | None, at: datetime
) -> bool:
    due = postmortem_due_at(severity=severity, resolved_at=resolved_at)
    if due is None:
        return False
    if completed_at is not None:
        return False
    return at > due


def postmortem_missing_sections(sections: dict[str, str]) -> list[str]:
    """Labels of the required sections that are still empty."""
    return [label for name, label in POSTMORTEM_SECTIONS if not (sections.get(name) or "").strip()]


# --- Transitions -------------------------------------------------------------------------
def allowed_targets(state: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == state]


def transition_blockers(
    *,
    state: str,
    to: str,
    severity: str,
    postmortem_completed: bool = False,
    at: datetime | None = None,
    detected_at: datetime | None = None,
) -> list[str]:
    """Why moving from `state` to `to` is forbidden (empty: allowed)."""
    if to not in STATES:
        return [f"'{to}' is not a state of an incident."]
    if (state, to) not in TRANSITIONS:
        if to == state:
            return [f"The incident is already in {to}."]
        nexts = allowed_targets(state)
        if not nexts:
            return [f"A {state} incident cannot move any further."]
        return [f"An incident in {state} can only move to {', '.join(nexts)}, not {to}."]
    reasons = []
    if at is not None and detected_at is not None and at < detected_at:
        reasons.append("The transition cannot happen before the incident was detected.")
    if to == CLOSED and postmortem_required(severity) and not postmortem_completed:
        reasons.append(f"A {severity} incident cannot be closed until its post-mortem is complete.")
    return reasons


# --- References --------------------------------------------------------------------------
def format_reference(year: int, number: int) -> str:
    from delivery_portal.references import format_reference as shared_format

    return shared_format("INC", year, number)


def parse_reference_number(reference: str, year: int) -> int | None:
    prefix = f"INC-{year:04d}-"
    if not reference.startswith(prefix):
        return None
    try:
        return int(reference[len(prefix):])
    except ValueError:
        return None


# --- Durations (reports) -----------------------------------------------------------------
def durations(
    *,
    impact_started_at: datetime,
    detected_at: datetime,
    acknowledged_at: datetime | None,
    resolved_at: datetime | None,
    impact_ended_at: datetime | None,
) -> dict[str, timedelta | None]:
    """Time to detect (impact start -> detection), acknowledge and resolve (from detection)."""
    return {
        "time_to_detect": detected_at - impact_started_at,
        "time_to_acknowledge": (acknowledged_at - detected_at) if acknowledged_at else None,
        "time_to_resolve": (resolved_at - detected_at) if resolved_at else None,
        "impact_duration": (impact_ended_at - impact_started_at) if impact_ended_at else None,
    }


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{sign}{days}d" + (f" {hours}h" if hours else "") + (f" {minutes}m" if minutes else "")
    if hours:
        return f"{sign}{hours}h" + (f" {minutes}m" if minutes else "")
    if minutes:
        return f"{sign}{minutes}m" + (f" {seconds}s" if seconds else "")
    return f"{sign}{seconds}s"
