"""The rules of incidents, on real numbers, without a database."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents import domain

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    "severity, response, resolution",
    [
        ("SEV-1", timedelta(minutes=15), timedelta(hours=4)),
        ("SEV-2", timedelta(minutes=30), timedelta(hours=8)),
        ("SEV-3", timedelta(hours=2), timedelta(hours=24)),
        ("SEV-4", timedelta(hours=8), timedelta(days=5)),
    ],
)
def test_clocks_of_every_severity(severity, response, resolution):
    assert domain.response_due_at(severity, T0) == T0 + response
    assert domain.resolution_due_at(severity, T0) == T0 + resolution
    # Not yet triaged: met up to and including the deadline, breached a second after.
    assert not domain.response_breached(severity=severity, detected_at=T0, acknowledged_at=None, at=T0 + response)
    assert domain.response_breached(severity=severity, detected_at=T0, acknowledged_at=None, at=T0 + response + timedelta(seconds=1))
    # Triaged in time: met forever after.
    assert not domain.response_breached(severity=severity, detected_at=T0, acknowledged_at=T0 + response, at=T0 + 10 * resolution)
    assert domain.response_breached(severity=severity, detected_at=T0, acknowledged_at=T0 + response + M, at=T0 + response + M)
    assert not domain.resolution_breached(severity=severity, detected_at=T0, resolved_at=None, at=T0 + resolution)
    assert domain.resolution_breached(severity=severity, detected_at=T0, resolved_at=None, at=T0 + resolution + M)
    assert not domain.resolution_breached(severity=severity, detected_at=T0, resolved_at=T0 + resolution, at=T0 + 99 * resolution)
    assert domain.resolution_breached(severity=severity, detected_at=T0, resolved_at=T0 + resolution + M, at=T0 + 99 * resolution)


def test_severity_change_retimes_from_detection():
    # Same detection, new severity: both deadlines move, measured from detection.
    assert domain.response_due_at("SEV-3", T0) == T0 + 2 * H
    assert domain.response_due_at("SEV-1", T0) == T0 + 15 * M
    at = T0 + 20 * M
    assert not domain.response_breached(severity="SEV-3", detected_at=T0, acknowledged_at=None, at=at)
    assert domain.response_breached(severity="SEV-1", detected_at=T0, acknowledged_at=None, at=at)


ORDER = ["detect", "triage", "respond", "resolve", "review", "closed"]
ALLOWED = {(a, b) for a, b in zip(ORDER, ORDER[1:], strict=False)}


@pytest.mark.parametrize("state, to", [(a, b) for a, b in ALLOWED])
def test_every_allowed_transition(state, to):
    assert domain.transition_blockers(state=state, to=to, severity="SEV-3") == []
    assert domain.transition_blockers(state=state, to=to, severity="SEV-1", postmortem_completed=True) == []


@pytest.mark.parametrize("state, to", [(a, b) for a in ORDER for b in ORDER if (a, b) not in ALLOWED])
def test_every_refused_transition(state, to):
    reasons = domain.transition_blockers(state=state, to=to, severity="SEV-4", postmortem_completed=True)
    assert reasons, f"{state} -> {to} should be refused"


def test_transition_table_is_explicit_and_linear():
    assert set(domain.TRANSITIONS) == ALLOWED
    assert domain.allowed_targets("respond") == ["resolve"]
    assert domain.allowed_targets("closed") == []
    assert domain.transition_blockers(state="detect", to="nonsense", severity="SEV-1")


def test_transition_before_detection_is_refused():
    assert domain.transition_blockers(state="detect", to="triage", severity="SEV-2", at=T0 - M, detected_at=T0)


@pytest.mark.parametrize("severity", ["SEV-1", "SEV-2"])
def test_close_guard_needs_a_complete_postmortem(severity):
    assert domain.transition_blockers(state="review", to="closed", severity=severity, postmortem_completed=False)
    assert domain.transition_blockers(state="review", to="closed", severity=severity, postmortem_completed=True) == []


@pytest.mark.parametrize("severity", ["SEV-3", "SEV-4"])
def test_minor_incidents_close_without_postmortem(severity):
    assert domain.transition_blockers(state="review", to="closed", severity=severity, postmortem_completed=False) == []


@pytest.mark.parametrize("severity", ["SEV-1", "SEV-2"])
def test_status_update_cadence_from_triage(severity):
    triaged = T0 + 5 * M
    assert domain.next_update_due_at(severity=severity, state="detect", triaged_at=None, last_status_update_at=None) is None
    assert domain.next_update_due_at(severity=severity, state="triage", triaged_at=triaged, last_status_update_at=None) == triaged + 30 * M
    last = triaged + 20 * M
    assert domain.next_update_due_at(severity=severity, state="respond", triaged_at=triaged, last_status_update_at=last) == last + 30 * M
    # An update logged before triage does not push the clock back.
    assert domain.next_update_due_at(severity=severity, state="respond", triaged_at=triaged, last_status_update_at=T0) == triaged + 30 * M
    for state in ("resolve", "review", "closed"):
        assert domain.next_update_due_at(severity=severity, state=state, triaged_at=triaged, last_status_update_at=last) is None


@pytest.mark.parametrize("severity", ["SEV-3", "SEV-4"])
def test_no_cadence_for_minor_incidents(severity):
    assert domain.next_update_due_at(severity=severity, state="respond", triaged_at=T0, last_status_update_at=None) is None


def test_missed_update_slots_one_per_30_minutes():
    due = T0 + 30 * M
    assert domain.missed_update_slot(next_due=due, at=due) is None
    assert domain.missed_update_slot(next_due=due, at=due + M) == due
    assert domain.missed_update_slot(next_due=due, at=due + 29 * M) == due
    assert domain.missed_update_slot(next_due=due, at=due + 30 * M) == due + 30 * M
    assert domain.missed_update_slot(next_due=due, at=due + 95 * M) == due + 90 * M
    assert domain.missed_update_slot(next_due=None, at=due) is None
    assert domain.update_overdue(due, due + M) and not domain.update_overdue(due, due)


@pytest.mark.parametrize("severity", ["SEV-1", "SEV-2"])
def test_postmortem_due_48_hours_after_resolution(severity):
    resolved = T0 + 3 * H
    assert domain.postmortem_required(severity)
    assert domain.postmortem_due_at(severity=severity, resolved_at=None) is None
    assert domain.postmortem_due_at(severity=severity, resolved_at=resolved) == resolved + 48 * H
    assert not domain.postmortem_overdue(severity=severity, resolved_at=resolved, completed_at=None, at=resolved + 48 * H)
    assert domain.postmortem_overdue(severity=severity, resolved_at=resolved, completed_at=None, at=resolved + 48 * H + M)
    assert not domain.postmortem_overdue(severity=severity, resolved_at=resolved, completed_at=resolved + 50 * H, at=resolved + 60 * H)


@pytest.mark.parametrize("severity", ["SEV-3", "SEV-4"])
def test_no_postmortem_needed_for_minor_incidents(severity):
    assert not domain.postmortem_required(severity)
    assert domain.postmortem_due_at(severity=severity, resolved_at=T0) is None
    assert not domain.postmortem_overdue(severity=severity, resolved_at=T0, completed_at=None, at=T0 + 100 * H)


def test_postmortem_missing_sections():
    full = {name: "x" for name, _ in domain.POSTMORTEM_SECTIONS}
    assert domain.postmortem_missing_sections(full) == []
    assert domain.postmortem_missing_sections({**full, "root_cause": "  "}) == ["root cause"]


def test_counts_against_sla_default():
    assert domain.counts_against_sla_default("SEV-1") and domain.counts_against_sla_default("SEV-2")
    assert not domain.counts_against_sla_default("SEV-3") and not domain.counts_against_sla_default("SEV-4")


@pytest.mark.parametrize(
    "label, severity",
    [("critical", "SEV-1"), ("major", "SEV-2"), ("error", "SEV-2"), ("warning", "SEV-3"), ("minor", "SEV-3"),
     ("info", "SEV-4"), ("SEV-2", "SEV-2"), ("sev-4", "SEV-4"), ("Critical", "SEV-1"), ("bogus", None), (None, None)],
)
def test_alert_severity_mapping(label, severity):
    assert domain.severity_from_alert(label) == severity


def test_references_and_durations():
    assert domain.format_reference(2026, 7) == "INC-2026-0007"
    assert domain.format_reference(2026, 12345) == "INC-2026-12345"
    assert domain.parse_reference_number("INC-2026-0042", 2026) == 42
    assert domain.parse_reference_number("INC-2025-0042", 2026) is None
    d = domain.durations(impact_started_at=T0, detected_at=T0 + 4 * M, acknowledged_at=T0 + 10 * M, resolved_at=T0 + 2 * H, impact_ended_at=None)
    assert d["time_to_detect"] == 4 * M and d["time_to_acknowledge"] == 6 * M and d["time_to_resolve"] == 2 * H - 4 * M
    assert d["impact_duration"] is None
    assert domain.format_duration(timedelta(hours=1, minutes=56)) == "1h 56m"
    assert domain.format_duration(None) == "—"


def test_the_vocabulary_has_one_home():
    """Models, forms and other apps take severities and states from the domain."""
    from incidents.forms import TransitionForm
    from incidents.models import IncidentState, Severity

    assert Severity.values == list(domain.SEVERITIES) == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    assert IncidentState.values == list(domain.STATES)
    assert domain.TARGET_STATES == ("triage", "respond", "resolve", "review", "closed")
    assert [value for value, _label in TransitionForm.base_fields["to"].choices] == list(domain.TARGET_STATES)
    assert set(domain.OPEN_STATES) == set(domain.STATES) - {domain.CLOSED}
    assert domain.severity_from_alert("sev3") == "SEV-3" and domain.severity_from_alert("sev 1") == "SEV-1"
