"""DORA arithmetic, level boundaries and maturity rules on hand-built data (no database)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from insights.domain.dora import (
    DeploymentFact, IncidentFact, change_failure_rate, counts_from_facts, deployment_frequency, dora_metrics, mttr, weeks_ending,
)
from insights.domain.levels import (
    DEFAULT_THRESHOLDS, LEVELS, change_failure_level, frequency_level, lead_time_level, mttr_level,
)
from insights.domain.maturity import CHARACTERISTICS, MATURITY_LEVELS, TeamDeliveryFacts, assess_maturity, maturity_evidence
from insights.domain.risk import ServiceHistory, overall_risk, premortem_risks, strategy_basis

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
START, END = date(2026, 3, 1), date(2026, 3, 4)  # four days
START_AT, END_AT = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)


def facts(deployments, incidents=()):
    return counts_from_facts(deployments, incidents, start_at=START_AT, end_at=END_AT)


def test_four_deployments_one_failing_is_a_25_percent_change_failure_rate():
    deploys = [DeploymentFact("succeeded", T0), DeploymentFact("succeeded", T0), DeploymentFact("succeeded", T0),
               DeploymentFact("failed", T0)]
    metrics = dora_metrics(facts(deploys), START, END)
    assert metrics.change_failure_rate == 0.25
    assert metrics.counts.deployments == 4 and metrics.counts.failures == 1


def test_rolled_back_and_incident_causing_deployments_fail_refused_ones_do_not_count():
    deploys = [DeploymentFact("succeeded", T0), DeploymentFact("rolled_back", T0),
               DeploymentFact("succeeded", T0, caused_incident=True), DeploymentFact("succeeded", T0),
               DeploymentFact("refused", T0), DeploymentFact("refused", T0),
               DeploymentFact("succeeded", T0, environment="staging")]
    counts = facts(deploys)
    assert (counts.deployments, counts.failures) == (4, 2)
    assert change_failure_rate(counts.failures, counts.deployments) == 0.5


def test_deployment_frequency_counts_successful_production_deployments_per_day_inclusive():
    deploys = [DeploymentFact("succeeded", T0 + timedelta(hours=h)) for h in range(8)]
    deploys += [DeploymentFact("failed", T0), DeploymentFact("succeeded", datetime(2026, 3, 5, tzinfo=UTC))]  # day after end
    metrics = dora_metrics(facts(deploys), START, END)
    assert metrics.deployment_frequency_per_day == 2.0  # 8 over 4 days (1st..4th inclusive)
    assert deployment_frequency(3, date(2026, 3, 1), date(2026, 3, 1)) == 3.0


def test_lead_time_is_the_median_over_commits_with_negative_values_dropped():
    deploys = [
        DeploymentFact("succeeded", T0, (T0 - timedelta(hours=1), T0 - timedelta(hours=3))),
        DeploymentFact("succeeded", T0, (T0 - timedelta(hours=10), T0 + timedelta(hours=5))),  # authored after: dropped
        DeploymentFact("failed", T0, (T0 - timedelta(hours=100),)),  # not a successful deployment
    ]
    metrics = dora_metrics(facts(deploys), START, END)
    assert metrics.counts.commits == 3
    assert metrics.lead_time_hours_median == 3.0  # median of 1, 3, 10


def test_mttr_of_incidents_of_1_2_and_3_hours_is_a_mean_of_2_hours():
    incidents = [IncidentFact(T0, T0 + timedelta(hours=h), T0 + timedelta(hours=h)) for h in (1, 2, 3)]
    incidents.append(IncidentFact(T0, None, None))  # still open: not counted
    incidents.append(IncidentFact(T0 - timedelta(days=30), T0 - timedelta(days=29), T0 - timedelta(days=29)))  # before
    metrics = dora_metrics(facts([], incidents), START, END)
    assert metrics.mttr_hours == 2.0
    assert metrics.mttr_hours_median == 2.0
    assert metrics.counts.incidents_resolved == 3
    mean, median = mttr([(T0, T0 + timedelta(hours=h)) for h in (1, 1, 7)])
    assert (mean, median) == (timedelta(hours=3), timedelta(hours=1))


def test_no_data_gives_no_value_a_low_level_and_says_so():
    """The contract: every level is one of elite, high, medium, low. Without data a metric
    cannot be shown to be better than low; its value stays None and `no_data` names it."""
    metrics = dora_metrics(facts([]), START, END)
    assert metrics.deployment_frequency_per_day == 0
    assert (metrics.lead_time_hours_median, metrics.change_failure_rate, metrics.mttr_hours) == (None, None, None)
    assert metrics.levels == {"deployment_frequency": "low", "lead_time": "low", "change_failure_rate": "low", "mttr": "low"}
    assert metrics.no_data == ("lead_time", "change_failure_rate", "mttr")
    body = metrics.as_dict()
    assert set(body["levels"].values()) <= set(LEVELS) and body["no_data"] == ["lead_time", "change_failure_rate", "mttr"]
    assert not metrics.has_data("mttr") and metrics.has_data("deployment_frequency")
    assert (lead_time_level(None), mttr_level(None), change_failure_level(None)) == ("low",) * 3
    measured = dora_metrics(facts([DeploymentFact("succeeded", T0, (T0 - timedelta(minutes=30),))]), START, END)
    assert measured.no_data == ("mttr",) and measured.levels["lead_time"] == "elite"


@pytest.mark.parametrize(("per_day", "level"), [
    (1.01, "elite"), (1.0, "high"), (1 / 7, "high"), (0.142, "medium"), (1 / 30, "medium"), (0.033, "low"), (0, "low"),
])
def test_deployment_frequency_levels(per_day, level):
    assert frequency_level(per_day) == level


@pytest.mark.parametrize(("hours", "level"), [
    (0.99, "elite"), (1.0, "high"), (167.9, "high"), (168.0, "medium"), (719.9, "medium"), (720.0, "low"), (5000, "low"),
])
def test_lead_time_levels(hours, level):
    assert lead_time_level(hours) == level


@pytest.mark.parametrize(("rate", "level"), [
    (0.0, "elite"), (0.049, "elite"), (0.05, "high"), (0.10, "high"), (0.1001, "medium"), (0.15, "medium"),
    (0.1501, "low"), (1.0, "low"),
])
def test_change_failure_rate_levels(rate, level):
    assert change_failure_level(rate) == level


@pytest.mark.parametrize(("hours", "level"), [
    (0.5, "elite"), (1.0, "high"), (23.9, "high"), (24.0, "medium"), (167.9, "medium"), (168.0, "low"),
])
def test_mttr_levels(hours, level):
    assert mttr_level(hours) == level


def test_thresholds_come_from_the_argument():
    strict = {**DEFAULT_THRESHOLDS, "mttr_hours": {"elite": 0.1, "high": 0.2, "medium": 0.3}}
    assert mttr_level(0.5, strict) == "low"


def test_settings_thresholds_match_the_issue(settings):
    for metric, bounds in DEFAULT_THRESHOLDS.items():
        assert settings.DORA_THRESHOLDS[metric] == pytest.approx(bounds)


def test_weeks_ending_gives_monday_to_sunday_weeks():
    weeks = weeks_ending(date(2026, 11, 27), 13)  # a Friday
    assert len(weeks) == 13
    assert weeks[-1] == (date(2026, 11, 23), date(2026, 11, 29))
    assert all(start.weekday() == 0 and (end - start).days == 6 for start, end in weeks)


# --- Maturity --------------------------------------------------------------------------------
def keys(*levels):
    return {c.key: True for lvl in MATURITY_LEVELS if lvl.number in levels for c in lvl.characteristics}


def test_five_levels_of_four_characteristics_as_the_issue_lists():
    names = [lvl.name for lvl in MATURITY_LEVELS]
    assert names == ["Manual Delivery", "Automated Build/Test", "Continuous Delivery", "Continuous Deployment",
                     "DevOps Excellence"]
    labels = {lvl.number: [c.label for c in lvl.characteristics] for lvl in MATURITY_LEVELS}
    # The issue's level-2 "Manual deploys", worded so that a team deploying automatically meets it
    # too (a level's characteristics must also hold for the levels above it).
    assert labels[2] == ["CI pipeline", "Automated unit tests", "Repeatable deploys (by hand or automated)", "Basic monitoring"]
    assert labels[4] == ["Automated deploys", "Feature flags", "Canary releases", "Self-healing systems"]
    assert labels[5] == ["Zero-downtime deploys", "Automated rollbacks", "Chaos engineering", "Full observability"]


def test_level_is_the_highest_with_it_and_everything_below_met():
    result = assess_maturity({**keys(1, 2), **keys(4)})  # level 3 incomplete: level 4 does not count
    assert (result.level, result.target) == (2, 3)
    assert result.level_name == "Automated Build/Test" and result.target_name == "Continuous Delivery"
    assert [c.key for c in result.missing] == ["full_ci_cd", "automated_testing", "push_button_deploys",
                                               "comprehensive_monitoring"]
    assert len(result.recommendations) == 4


def test_no_characteristic_of_levels_1_to_4_requires_staying_manual():
    """A team's level is the highest whose characteristics and all below are met, so nothing
    below the top may ask whether something is *still* manual: a team that has automated it
    must be able to answer yes."""
    for level in MATURITY_LEVELS[:4]:
        for c in level.characteristics:
            text = f"{c.label} {c.question}".lower()
            assert "still" not in text, c.key
            if "by hand" in text:
                assert "even by hand" in text or "by hand or automat" in text, c.key
    deploys = CHARACTERISTICS["ci_manual_deploys"]
    assert "automatically" in deploys.question and "artefact" in deploys.question


def test_a_fully_automated_team_meeting_every_characteristic_is_level_5():
    automated = {key: True for key in CHARACTERISTICS}  # ci_manual_deploys answered yes: the new wording
    result = assess_maturity(automated)
    assert (result.level, result.level_name, result.missing) == (5, "DevOps Excellence", ())
    lacking_one_level_3_item = {**automated, "automated_testing": False}
    result = assess_maturity(lacking_one_level_3_item)
    assert (result.level, result.target) == (2, 3)
    assert [c.key for c in result.missing] == ["automated_testing"]


def test_partly_met_target_lists_only_what_is_missing():
    result = assess_maturity({**keys(1, 2), "full_ci_cd": True, "automated_testing": True, "push_button_deploys": False})
    assert result.level == 2
    assert [c.key for c in result.missing] == ["push_button_deploys", "comprehensive_monitoring"]


def test_nothing_met_is_level_0_targeting_1_and_everything_met_is_5():
    assert (assess_maturity({}).level, assess_maturity({}).target) == (0, 1)
    top = assess_maturity(keys(1, 2, 3, 4, 5))
    assert (top.level, top.target, top.missing) == (5, 5, ())


def test_evidence_from_the_portals_data():
    facts_ = TeamDeliveryFacts(
        deployments=40, pipeline_deployments=30, portal_deployments=10, canary_deployments=7, automatic_rollbacks=2,
        progressive_without_incident=9, progressive_with_incident=0, incidents=3, deploys_per_day=1.5,
    )
    evidence = maturity_evidence(facts_)
    assert set(evidence) == {"manual_deploys", "reactive_monitoring", "ci_pipeline", "full_ci_cd", "push_button_deploys",
                             "automated_deploys", "canary_releases", "automated_rollbacks", "zero_downtime_deploys"}
    assert "7 canary rollouts" in evidence["canary_releases"]
    assert "2 automatic rollbacks" in evidence["automated_rollbacks"]
    assert maturity_evidence(TeamDeliveryFacts(deploys_per_day=1.0)) == {}


def test_premortem_risks_riskiest_first():
    risks = premortem_risks(
        strategy_label="Canary", strategy_risk="Low-Medium", strategy_reasons=["A patch."],
        change_types={"emergency": ["CHG-1"], "standard": ["CHG-2"]},
        services=[ServiceHistory("api", "API", True, 2, 1, 1), ServiceHistory("web", "Web", False)],
    )
    assert risks[0].level == "high"
    assert overall_risk(risks) == "high"
    assert {(r.area, r.subject, r.level) for r in risks} >= {
        ("strategy", "Canary", "low-medium"), ("change", "emergency", "high"), ("change", "standard", "low"),
        ("service", "api", "high"), ("service", "web", "low"),
    }


def test_the_release_risk_is_judged_on_the_riskiest_strategy_used_or_the_recommended_one():
    from delivery_portal.strategy_guide import STRATEGIES

    used = [STRATEGIES["canary"], STRATEGIES["rolling"], STRATEGIES["blue_green"]]
    label, risk, reasons = strategy_basis(used, STRATEGIES["blue_green"], ["A major release."])
    assert (label, risk) == ("Rolling", "Medium")
    assert reasons == ["Deployments of this release use: Canary, Rolling, Blue-green."]
    label, risk, reasons = strategy_basis([], STRATEGIES["blue_green"], ["A major release."])
    assert (label, risk) == ("Blue-green", "Low")
    assert reasons == ["No deployment with a known strategy yet; the recommended strategy is assumed.", "A major release."]
