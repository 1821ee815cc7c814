"""Property tests (hypothesis) of insights/domain/: never crash on valid input, keep the invariants."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from insights.domain.dora import (
    DeploymentFact, IncidentFact, change_failure_rate, counts_from_facts, dora_metrics, mean_duration, median_duration,
    weeks_ending,
)
from insights.domain.levels import (
    ELITE, HIGH, LEVELS, LOW, MEDIUM, change_failure_level, frequency_level, lead_time_level, mttr_level,
)
from insights.domain.maturity import CHARACTERISTICS, TOP_LEVEL, TeamDeliveryFacts, assess_maturity, maturity_evidence
from insights.domain.risk import RISK_ORDER, ServiceHistory, overall_risk, premortem_risks

FAST = settings(max_examples=50, deadline=None)
RANK = {ELITE: 0, HIGH: 1, MEDIUM: 2, LOW: 3}

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))
durations = st.timedeltas(min_value=timedelta(days=-10), max_value=timedelta(days=400))
non_negative = st.floats(min_value=0, max_value=1e6, allow_nan=False)
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1))


@st.composite
def date_ranges(draw):
    start = draw(dates)
    return start, start + timedelta(days=draw(st.integers(0, 5 * 366)))


deployment_facts = st.builds(
    DeploymentFact,
    state=st.sampled_from(["succeeded", "failed", "rolled_back", "refused", "running"]),
    finished_at=st.none() | moments,
    commits_authored_at=st.lists(moments, max_size=3).map(tuple),
    caused_incident=st.booleans(),
    environment=st.sampled_from(["production", "staging"]),
)


@st.composite
def incident_facts(draw):
    started = draw(moments)
    ended = draw(st.none() | st.builds(lambda d: started + d, st.timedeltas(timedelta(0), timedelta(days=30))))
    resolved = draw(st.none() | st.just(ended) if ended else st.none())
    return IncidentFact(started, ended, resolved)


@FAST
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_change_failure_rate_is_a_fraction(failures, deployments):
    failures = min(failures, deployments)
    rate = change_failure_rate(failures, deployments)
    if deployments == 0:
        assert rate is None
    else:
        assert 0.0 <= rate <= 1.0


@FAST
@given(non_negative, non_negative)
def test_levels_are_monotonic_in_the_metric(a, b):
    lo, hi = sorted((a, b))
    # More deployments per day: never a worse level.
    assert RANK[frequency_level(hi)] <= RANK[frequency_level(lo)]
    # Longer lead time / recovery: never a better level.
    assert RANK[lead_time_level(hi)] >= RANK[lead_time_level(lo)]
    assert RANK[mttr_level(hi)] >= RANK[mttr_level(lo)]
    # Higher failure rate: never a better level.
    rlo, rhi = lo / 1e6, hi / 1e6
    assert RANK[change_failure_level(rhi)] >= RANK[change_failure_level(rlo)]
    assert frequency_level(None) == LOW
    # Without a value, no level better than low can be shown (the contract allows no null level).
    assert lead_time_level(None) == change_failure_level(None) == mttr_level(None) == LOW


@FAST
@given(st.lists(durations, max_size=12))
def test_median_and_mean_lie_within_the_non_negative_values(values):
    kept = [v for v in values if v >= timedelta(0)]
    median, mean = median_duration(values), mean_duration(values)
    if not kept:
        assert median is None and mean is None
        return
    slack = timedelta(microseconds=1)
    assert min(kept) - slack <= median <= max(kept) + slack
    assert min(kept) - slack <= mean <= max(kept) + slack


@FAST
@given(st.lists(deployment_facts, max_size=15), st.lists(incident_facts(), max_size=8), date_ranges())
def test_dora_from_any_records(deployments, incidents, span):
    start, end = span
    start_at = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    end_at = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    counts = counts_from_facts(deployments, incidents, start_at=start_at, end_at=end_at)
    assert 0 <= counts.succeeded <= counts.deployments
    assert 0 <= counts.failures <= counts.deployments
    metrics = dora_metrics(counts, start, end)
    assert metrics.deployment_frequency_per_day >= 0
    if metrics.change_failure_rate is not None:
        assert 0.0 <= metrics.change_failure_rate <= 1.0
    assert metrics.lead_time_hours_median is None or metrics.lead_time_hours_median >= 0
    assert metrics.mttr_hours is None or metrics.mttr_hours >= 0
    values = {"deployment_frequency": metrics.deployment_frequency_per_day, "lead_time": metrics.lead_time_hours_median,
              "change_failure_rate": metrics.change_failure_rate, "mttr": metrics.mttr_hours}
    for name, level in metrics.levels.items():
        assert level in LEVELS  # the contract: always one of the four
        assert (name in metrics.no_data) == (values[name] is None)
        assert values[name] is not None or level == LOW
    body = metrics.as_dict()
    assert body["days"] == (end - start).days + 1


@FAST
@given(dates, st.integers(1, 60))
def test_weeks_ending(end, weeks):
    span = weeks_ending(end, weeks)
    assert len(span) == weeks
    assert all(a.weekday() == 0 and (b - a).days == 6 for a, b in span)
    assert all(span[i][1] + timedelta(days=1) == span[i + 1][0] for i in range(weeks - 1))
    assert span[-1][0] <= end <= span[-1][1]


answers = st.dictionaries(st.sampled_from(sorted(CHARACTERISTICS) + ["unknown"]), st.booleans())


@FAST
@given(answers, answers)
def test_maturity_level_is_monotonic_in_what_is_met(a, more):
    result = assess_maturity(a)
    assert 0 <= result.level <= TOP_LEVEL
    assert result.target == min(result.level + 1, TOP_LEVEL)
    assert all(c.key not in result.met for c in result.missing)
    assert len(result.recommendations) == len(result.missing)
    # Meeting more characteristics never lowers the level.
    union = {k: bool(a.get(k)) or bool(more.get(k)) for k in set(a) | set(more)}
    assert assess_maturity(union).level >= result.level


@FAST
@given(st.builds(TeamDeliveryFacts, days=st.integers(1, 365), deployments=st.integers(0, 1000),
                 pipeline_deployments=st.integers(0, 1000), portal_deployments=st.integers(0, 1000),
                 canary_deployments=st.integers(0, 1000), automatic_rollbacks=st.integers(0, 1000),
                 progressive_without_incident=st.integers(0, 100), progressive_with_incident=st.integers(0, 100),
                 incidents=st.integers(0, 100), deploys_per_day=non_negative))
def test_maturity_evidence_only_names_known_characteristics(facts):
    evidence = maturity_evidence(facts)
    assert set(evidence) <= set(CHARACTERISTICS)
    assert all(isinstance(text, str) and text for text in evidence.values())


services = st.builds(ServiceHistory, slug=st.text(min_size=1, max_size=8), name=st.text(max_size=8),
                     freeze_active=st.booleans(), failed_deployments=st.integers(0, 9),
                     rolled_back_deployments=st.integers(0, 9), incidents=st.integers(0, 9))


@FAST
@given(st.sampled_from(["low", "low-medium", "medium", "high", "Low-Medium"]),
       st.dictionaries(st.sampled_from(["standard", "normal", "expedited", "emergency", "other"]),
                       st.lists(st.text(max_size=6), max_size=3), max_size=3),
       st.lists(services, max_size=5))
def test_premortem_is_sorted_riskiest_first_and_overall_is_the_max(strategy_risk, change_types, histories):
    risks = premortem_risks(strategy_label="Canary", strategy_risk=strategy_risk, strategy_reasons=["x"],
                                   change_types=change_types, services=histories)
    order = [RISK_ORDER.get(r.level, 2) for r in risks]
    assert order == sorted(order, reverse=True)
    overall = overall_risk(risks)
    assert RISK_ORDER.get(overall, 2) == max(order)
    for history in histories:
        if history.freeze_active:
            assert any(r.subject == history.slug and r.level == "high" for r in risks)
    assume(risks)
