"""The pure rules: plans, the transition table, metric gates, start gates."""

import math

import pytest

from deployments import domain
from deployments.domain import Metrics, StartFacts


def test_canary_default_plan():
    plan = domain.build_plan("canary")
    assert [(s.traffic_percent, s.monitor_minutes) for s in plan] == [(5, 30), (25, 60), (50, 120), (100, 0)]
    assert all(s.gates == domain.ALL_GATES for s in plan)
    assert domain.plan_duration(plan).total_seconds() == 210 * 60


def test_canary_plan_can_be_configured():
    plan = domain.build_plan("canary", [{"traffic_percent": 10, "monitor_minutes": 0.1}, {"traffic_percent": 100, "monitor_minutes": 0}])
    assert [(s.traffic_percent, s.monitor_minutes) for s in plan] == [(10, 0.1), (100, 0)]


def test_blue_green_plan_checks_health_on_the_idle_colour_then_switches_everything():
    first, second = domain.build_plan("blue_green")
    assert (first.traffic_percent, first.gates) == (0, ("health",))
    assert (second.traffic_percent, second.monitor_minutes) == (100, 60)
    assert second.gates == domain.ALL_GATES


def test_rolling_plan_is_batches_with_a_health_gate_between():
    plan = domain.build_plan("rolling")
    assert [s.traffic_percent for s in plan] == [25, 50, 75, 100]
    assert all(s.gates == ("health",) for s in plan)
    assert plan[0].name == "Batch 1 of 4"


def test_big_bang_plan_is_one_stage():
    (stage,) = domain.build_plan("big_bang")
    assert stage.traffic_percent == 100 and stage.monitor_minutes == 30


def test_unknown_strategy():
    with pytest.raises(ValueError):
        domain.build_plan("yolo")


@pytest.mark.parametrize(
    "stages, problem",
    [
        ([], "at least one stage"),
        ([{"traffic_percent": 50}], "last stage must send 100%"),
        ([{"traffic_percent": 50}, {"traffic_percent": 20}, {"traffic_percent": 100}], "must not go down"),
        ([{"traffic_percent": 101}], "from 0 to 100"),
        ([{"traffic_percent": 100, "monitor_minutes": -1}], "0 or more"),
    ],
)
def test_stage_list_validation(stages, problem):
    assert any(problem in p for p in domain.validate_stage_list(stages))


def test_transition_table():
    assert domain.transition("running", "pause") == "paused"
    assert domain.transition("paused", "resume") == "running"
    assert domain.transition("running", "hold") == "holding"
    assert domain.transition("holding", "advance") == "running"
    assert domain.transition("paused", "breach") == "rolled_back"
    assert domain.transition("holding", "rollback") == "rolled_back"
    for terminal in domain.TERMINAL:
        for action in ("pause", "resume", "promote", "rollback", "advance"):
            with pytest.raises(domain.TransitionError):
                domain.transition(terminal, action)
    with pytest.raises(domain.TransitionError, match="paused cannot be paused"):
        domain.transition("paused", "pause")
    assert set(domain.allowed_actions("running")) == {"pause", "promote", "rollback"}
    assert set(domain.allowed_actions("paused")) == {"resume", "promote", "rollback"}


def test_gates_pass():
    result = domain.evaluate_gates(Metrics(0.004, 320, True), p99_threshold_ms=500)
    assert result.decision == "pass"
    assert [c.passed for c in result.checks] == [True, True, True]


@pytest.mark.parametrize(
    "metrics, gate",
    [
        (Metrics(0.01, 320, True), "error_rate"),  # 1% is not below 1%
        (Metrics(0.05, 320, True), "error_rate"),
        (Metrics(0.001, 500, True), "p99"),
        (Metrics(0.001, 320, False), "health"),
    ],
)
def test_each_gate_breaches(metrics, gate):
    result = domain.evaluate_gates(metrics, p99_threshold_ms=500)
    assert result.decision == "breach"
    assert [c.gate for c in result.checks if c.passed is False] == [gate]
    assert result.reasons


@pytest.mark.parametrize(
    "metrics",
    [None, Metrics(None, 320, True), Metrics(0.001, None, True), Metrics(0.001, 320, None), Metrics(math.nan, 320, True)],
)
def test_no_data_is_not_a_pass(metrics):
    result = domain.evaluate_gates(metrics, p99_threshold_ms=500)
    assert result.decision == "no_data"
    assert any("No" in r for r in result.reasons)


def test_breach_wins_over_missing_data():
    assert domain.evaluate_gates(Metrics(0.2, None, None), p99_threshold_ms=500).decision == "breach"


def test_health_only_gates_ignore_latency():
    result = domain.evaluate_gates(Metrics(None, 9999, True), p99_threshold_ms=500, gates=("health",))
    assert result.decision == "pass"


def test_worst_of_samples():
    worst = domain.worst_of([Metrics(0.001, 300, True), Metrics(0.004, 250, None), Metrics(None, 410, True)])
    assert worst == Metrics(0.004, 410, True)
    assert domain.worst_of([]) is None


def facts(**kw):
    base = dict(service="portal", environment="production", strategy="canary")
    return StartFacts(**{**base, **kw})


def test_start_gates_pass_when_nothing_blocks():
    assert domain.start_gate_reasons(facts()) == []


def test_frozen_budget_takes_only_critical_deployments():
    assert "frozen" in domain.start_gate_reasons(facts(freeze_active=True))[0]
    assert domain.start_gate_reasons(facts(freeze_active=True, critical=True, reason="Security fix")) == []
    assert domain.start_gate_reasons(facts(freeze_active=True, change_reference="CHG-1", change_is_emergency=True)) == []
    reasons = domain.start_gate_reasons(facts(freeze_active=True, critical=True))
    assert len(reasons) == 2 and "needs a reason" in reasons[0]


def test_change_blockers_count_in_production_only():
    blockers = ("Change CHG-1 is draft, not approved.",)
    assert domain.start_gate_reasons(facts(change_reference="CHG-1", change_blockers=blockers)) == list(blockers)
    assert domain.start_gate_reasons(facts(environment="staging", change_reference="CHG-1", change_blockers=blockers)) == []


def test_release_no_go_and_big_bang_window():
    assert domain.start_gate_reasons(facts(release_version="v2.0.0", release_recommendation="NO-GO")) == ["Release v2.0.0 is NO-GO."]
    assert domain.start_gate_reasons(facts(release_version="v2.0.0", release_recommendation="CONDITIONAL GO")) == []
    assert "maintenance window" in domain.start_gate_reasons(facts(strategy="big_bang"))[0]
    assert domain.start_gate_reasons(facts(strategy="big_bang", in_maintenance_window=True)) == []


def test_a_refusal_names_every_reason():
    reasons = domain.start_gate_reasons(
        facts(
            strategy="big_bang", freeze_active=True, change_reference="CHG-1",
            change_blockers=("not approved", "outside window"), release_version="v1", release_recommendation="NO-GO",
        )
    )
    assert len(reasons) == 5


def test_progress_bar_and_minutes():
    assert domain.progress_bar(25, width=4) == "[#...]  25%"
    assert domain.format_minutes(120) == "2 h"
    assert domain.format_minutes(30) == "30 min"
    assert domain.format_minutes(0.05) == "3 s"


def test_recommendation_for_a_service_by_tier_and_release():
    from delivery_portal.strategy_guide import recommend_for_service

    assert recommend_for_service(service="Ledger", critical=True).strategy == "blue_green"
    assert recommend_for_service(service="Search", critical=False).strategy == "canary"
    patch = recommend_for_service(service="Search", critical=False, release="v1.0.1", release_type="patch")
    assert patch.strategy == "canary" and patch.reasons[0] == "Search as part of v1.0.1 (patch)."
    assert recommend_for_service(service="Search", critical=False, release="v1.0.1", release_type="patch",
                                 has_db_migrations=True).strategy == "blue_green"
    assert recommend_for_service(service="Ledger", critical=True, release="v1.0.1", release_type="patch").strategy == "blue_green"
