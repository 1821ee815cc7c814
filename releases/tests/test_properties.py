"""Property tests (hypothesis) of releases/domain/: never crash on valid input, keep the invariants."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from releases.domain import criteria, payloads, report, schedule, versions

FAST = settings(max_examples=40, deadline=None)

numbers = st.integers(min_value=0, max_value=10**6)
semvers = st.builds(versions.Version, numbers, numbers, numbers)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
aware = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))

# Any JSON-like value a client could send as a payload field.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


def payload_for(criterion):
    """Valid payloads of one criterion, as the contract's table describes them."""
    kinds = {
        "count": st.integers(min_value=0, max_value=10_000),
        "positive": st.floats(min_value=0.001, max_value=1e6, allow_nan=False) | st.integers(1, 10**6),
        "non_negative": st.floats(min_value=0, max_value=1e3, allow_nan=False),
        "text": st.text(min_size=1, max_size=40).filter(str.strip),
        "bool": st.booleans(),
        "timestamp": aware.map(lambda d: d.isoformat()),
    }
    return st.fixed_dictionaries({name: kinds[kind] for name, kind in payloads.PAYLOAD_FIELDS[criterion].items()})


evidence_sets = st.fixed_dictionaries({}, optional={c: payload_for(c) for c in payloads.CRITERIA})


@FAST
@given(semvers)
def test_version_text_round_trips(version):
    assert versions.parse_version(str(version)) == version
    assert versions.parse_version(str(version).lstrip("v")) == version


@FAST
@given(semvers, st.lists(semvers, max_size=8))
def test_previous_version_is_the_highest_below(version, others):
    previous = versions.previous_version(str(version), [str(o) for o in others] + ["not-a-version"])
    below = [o for o in others if o < version]
    if not below:
        assert previous is None
    else:
        assert versions.parse_version(previous) == max(below)
    kind = versions.release_type_for(str(version), previous)
    assert kind in (versions.MAJOR, versions.MINOR, versions.PATCH)
    if previous and versions.parse_version(previous).major != version.major:
        assert kind == versions.MAJOR


@FAST
@given(st.text(max_size=40))
def test_parse_version_raises_only_value_error(text):
    try:
        versions.parse_version(text)
    except ValueError:
        pass


@FAST
@given(days, st.integers(min_value=-60, max_value=60))
def test_business_days(day, n):
    moved = schedule.add_business_days(day, n)
    if n == 0:
        assert moved == day
        return
    assert moved.weekday() < 5
    assert (moved > day) == (n > 0)
    # Exactly |n| working days from `day` (excluded) to `moved` (included).
    lo, hi = sorted((day, moved))
    span = [lo + timedelta(days=i) for i in range(1, (hi - lo).days + 1)] if n > 0 else \
        [lo + timedelta(days=i) for i in range(0, (hi - lo).days)]
    assert sum(d.weekday() < 5 for d in span) == abs(n)
    # Monotonic in n.
    assert schedule.add_business_days(day, n) <= schedule.add_business_days(day, n + 1)


@FAST
@given(days)
def test_t_dates_are_ordered_working_days(target):
    t = schedule.t_dates(target)
    assert t["t_minus_7"] < t["t_minus_1"] < t["t_0"] < t["t_plus_1"]
    assert t["t_0"] == target
    assert all(t[k].weekday() < 5 for k in ("t_minus_7", "t_minus_1", "t_plus_1"))
    # A scope change on T-7 itself is on time, the day after is late; once finalised, always late.
    assert not schedule.scope_change_is_late(target=target, on=t["t_minus_7"])
    assert schedule.scope_change_is_late(target=target, on=t["t_minus_7"] + timedelta(days=1))
    assert schedule.scope_change_is_late(target=target, on=t["t_minus_7"], scope_finalised=True)


@FAST
@given(days, aware, st.booleans())
def test_overdue_only_after_the_due_day_and_never_when_done(due, at, done):
    overdue = schedule.is_overdue(due=due, done=done, at=at)
    if done:
        assert not overdue
    else:
        assert overdue == (at.date() > due)


@FAST
@given(st.sampled_from(payloads.CRITERIA + ["nonsense"]), st.dictionaries(st.text(max_size=12), json_values, max_size=4) | json_values)
def test_validate_payload_never_crashes_on_any_input(criterion, payload):
    clean, errors = payloads.validate_payload(criterion, payload)
    assert isinstance(clean, dict) and isinstance(errors, dict)
    if not errors:
        assert set(clean) == set(payloads.PAYLOAD_FIELDS[criterion])
        criteria.evaluate_criteria({criterion: clean})
        payloads.evidence_summary(clean)


@FAST
@given(st.sampled_from(payloads.CRITERIA).flatmap(lambda c: st.tuples(st.just(c), payload_for(c))))
def test_valid_payloads_validate_clean(pair):
    criterion, payload = pair
    clean, errors = payloads.validate_payload(criterion, payload)
    assert not errors, errors
    assert payloads.evidence_summary(clean)


def _clean(evidence):
    cleaned = {}
    for criterion, payload in evidence.items():
        clean, errors = payloads.validate_payload(criterion, payload)
        assert not errors
        cleaned[criterion] = clean
    return cleaned


@FAST
@given(evidence_sets, st.integers(0, 20), st.integers(0, 20), st.none() | days)
def test_verdict_is_no_go_iff_any_fail(evidence, p1, p2, target):
    results = criteria.evaluate_criteria(_clean(evidence), scope_open_p1=p1, scope_open_p2=p2)
    assert [r.criterion for r in results] == payloads.CRITERIA
    assert all(r.status in ("PASS", "WARN", "FAIL") and r.detail for r in results)
    statuses = {r.status for r in results}
    decision = criteria.decide(results, target=target)
    assert (decision.recommendation == "NO-GO") == ("FAIL" in statuses)
    assert (decision.recommendation == "GO") == (statuses == {"PASS"})
    assert (decision.recommendation == "CONDITIONAL GO") == ("FAIL" not in statuses and "WARN" in statuses)
    failing = [r for r in results if r.status == "FAIL"]
    if failing:
        assert decision.delay_days == max(criteria.FIX_DAYS[r.criterion] for r in failing)
        assert decision.risk.startswith("Risk assessment: High" if any(
            r.criterion in criteria.HIGH_RISK for r in failing) else "Risk assessment: Medium")
    # Every failing or warning criterion becomes a condition.
    assert len(decision.conditions) >= sum(r.status != "PASS" for r in results)
    # Missing evidence is a FAIL.
    for criterion in set(payloads.CRITERIA) - set(evidence):
        assert next(r for r in results if r.criterion == criterion).status == "FAIL"


@FAST
@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 5), st.integers(0, 5))
def test_more_open_bugs_never_improve_the_bugs_criterion(p1, p2, more1, more2):
    def status(a, b):
        return criteria.evaluate_criteria({"bugs": {"open_p1": a, "open_p2": b}})[0].status

    assert status(p1, p2) == ("PASS" if p1 + p2 == 0 else "FAIL")
    if status(p1, p2) == "FAIL":
        assert status(p1 + more1, p2 + more2) == "FAIL"


@FAST
@given(st.floats(0.001, 1e5), st.floats(0.001, 1e5), st.floats(0, 100))
def test_thresholds(p99, target, multiple):
    results = {r.criterion: r.status for r in criteria.evaluate_criteria({
        "performance": {"p99_ms": p99, "target_ms": target}, "load_test": {"peak_multiple": multiple}})}
    assert results["performance"] == ("PASS" if p99 < target else "FAIL")
    assert results["load_test"] == ("PASS" if multiple >= criteria.LOAD_NEEDED else "FAIL")


@FAST
@given(evidence_sets, days, semvers)
def test_report_never_crashes(evidence, target, version):
    results = criteria.evaluate_criteria(_clean(evidence))
    decision = criteria.decide(results, target=target)
    text = report.format_report({
        "version": str(version), "release_type": versions.release_type_for(str(version), None),
        "target_date": target.isoformat(), "criteria": [r.as_dict() for r in results],
        "recommendation": decision.recommendation, "conditions": decision.conditions,
        "strategy": "Canary", "rollback_plan": "Back", "monitoring_hours": 24,
    })
    assert f"Recommendation: {decision.recommendation}" in text
