"""Property tests (hypothesis) of the domain modules of the merged apps: SLA budget
arithmetic, incident clocks and transitions, change lead time and quorum, deployment plans
and gates. Pure functions, no database: fast (max_examples modest)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from changes.domain import approval as changes_approval
from changes.domain import submission as changes_submission
from changes.domain import workflow as changes_workflow
from deployments import domain as deployments
from incidents import domain as incidents
from sla.domain import error_budget, intervals, periods

FAST = settings(max_examples=60, deadline=None)

# --- SLA: budget arithmetic ----------------------------------------------------------------
BASE = datetime(2026, 1, 1, tzinfo=UTC)
moments = st.integers(min_value=-60 * 24 * 40, max_value=60 * 24 * 400).map(lambda m: BASE + timedelta(minutes=m))
targets = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99.9999"), places=4)


@st.composite
def windows(draw, open_end=True):
    start = draw(moments)
    length = draw(st.integers(min_value=0, max_value=60 * 24 * 20))
    end = None if open_end and draw(st.booleans()) else start + timedelta(minutes=length)
    return intervals.Window(start=start, end=end)


spans = st.lists(st.tuples(moments, st.integers(0, 60 * 24 * 10)).map(lambda p: (p[0], p[0] + timedelta(minutes=p[1]))),
                 max_size=8)


@FAST
@given(target=targets, period=st.sampled_from(periods.PERIODS), at=moments, tz=st.sampled_from(["UTC", "Europe/Paris", "America/New_York"]),
       impacts=st.lists(windows(), max_size=6), maintenance=st.lists(windows(open_end=False), max_size=4))
def test_budget_consumed_is_bounded_and_remaining_is_budget_minus_consumed(target, period, at, tz, impacts, maintenance):
    tzinfo = ZoneInfo(tz)
    budget = error_budget.compute_budget(target=target, period=period, at=at, tz=tzinfo, impacts=impacts, maintenance=maintenance)
    assert budget.consumed_minutes >= 0
    start = budget.period_start
    holes = intervals.union(s for s in (intervals.clip(w, start, at) for w in maintenance) if s)
    ceiling = periods.minutes(at - start) - periods.minutes(intervals.total(holes))
    assert budget.consumed_minutes <= ceiling
    assert budget.remaining_minutes == budget.budget_minutes - budget.consumed_minutes
    assert 0 <= budget.elapsed_fraction <= 1
    assert budget.burn_rate >= 0
    assert budget.status in error_budget.STATUSES


ORDER = {error_budget.ON_TRACK: 0, error_budget.AT_RISK: 1, error_budget.FROZEN: 2, error_budget.EXHAUSTED: 3}
rates = st.decimals(min_value=0, max_value=100, places=3)


@FAST
@given(remaining=st.decimals(min_value=-1000, max_value=1000, places=2), a=rates, b=rates)
def test_status_is_monotonic_in_burn_rate(remaining, a, b):
    low, high = sorted((a, b))
    assert ORDER[error_budget.status_for(remaining, low)] <= ORDER[error_budget.status_for(remaining, high)]
    if remaining <= 0:
        assert error_budget.status_for(remaining, low) == error_budget.EXHAUSTED


@FAST
@given(items=spans, data=st.data())
def test_union_is_idempotent_and_order_independent(items, data):
    merged = intervals.union(items)
    assert intervals.union(merged) == merged
    shuffled = data.draw(st.permutations(items))
    assert intervals.union(shuffled) == merged
    assert all(s <= e for s, e in merged)
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:]))  # disjoint, sorted, not touching
    assert intervals.total(merged) <= intervals.total(items)


# --- Incidents: clocks and transitions -----------------------------------------------------
@FAST
@given(severity=st.sampled_from(incidents.SEVERITIES), detected=moments)
def test_due_is_detection_plus_target(severity, detected):
    targets_ = incidents.SEVERITY_TARGETS[severity]
    assert incidents.response_due_at(severity, detected) == detected + targets_.response
    assert incidents.resolution_due_at(severity, detected) == detected + targets_.resolution
    assert incidents.response_due_at(severity, detected) <= incidents.resolution_due_at(severity, detected)


@FAST
@given(state=st.sampled_from(incidents.STATES), to=st.one_of(st.sampled_from(incidents.STATES), st.text(max_size=10)),
       severity=st.sampled_from(incidents.SEVERITIES), completed=st.booleans())
def test_only_table_transitions_are_allowed(state, to, severity, completed):
    blockers = incidents.transition_blockers(state=state, to=to, severity=severity, postmortem_completed=completed)
    if (state, to) not in incidents.TRANSITIONS:
        assert blockers
    elif not (to == incidents.CLOSED and incidents.postmortem_required(severity) and not completed):
        assert blockers == []
    assert set(incidents.allowed_targets(state)) == {t for (s, t) in incidents.TRANSITIONS if s == state}


# --- Changes: lead time and quorum ---------------------------------------------------------
@FAST
@given(change_type=st.sampled_from(list(changes_submission.LEAD_TIMES)), submitted=moments,
       a=st.integers(-60 * 24 * 10, 60 * 24 * 10), b=st.integers(-60 * 24 * 10, 60 * 24 * 10))
def test_lead_time_boundary_is_monotonic(change_type, submitted, a, b):
    early, late = sorted((a, b))
    early_problem = changes_submission.lead_time_problem(change_type, submitted, submitted + timedelta(minutes=early))
    late_problem = changes_submission.lead_time_problem(change_type, submitted, submitted + timedelta(minutes=late))
    if early_problem is None:
        assert late_problem is None  # a later window is never worse
    # The boundary is exactly submission + lead time.
    assert changes_submission.lead_time_problem(change_type, submitted, changes_submission.earliest_window_start(change_type, submitted)) is None


votes = st.lists(st.builds(changes_approval.Vote, st.integers(1, 4), st.sampled_from([changes_workflow.APPROVE, changes_workflow.REJECT])), max_size=6)


@FAST
@given(votes=votes)
def test_normal_quorum_needs_two_distinct_approvals_and_no_rejection(votes):
    outcome = changes_approval.approval_outcome(changes_workflow.NORMAL, votes)
    approvers = {v.user_id for v in votes if v.decision == changes_workflow.APPROVE}
    rejected = any(v.decision == changes_workflow.REJECT for v in votes)
    if outcome == changes_workflow.APPROVED:
        assert len(approvers) >= 2 and not rejected
    if rejected:
        assert outcome == changes_workflow.REJECTED
    elif len(approvers) >= 2:
        assert outcome == changes_workflow.APPROVED
    else:
        assert outcome == changes_workflow.SUBMITTED
    # One person approving twice is still one approval.
    assert changes_approval.approval_outcome(changes_workflow.NORMAL, [changes_approval.Vote(1, changes_workflow.APPROVE)] * 3) == changes_workflow.SUBMITTED


# --- Deployments: plans and gates ----------------------------------------------------------
stage_lists = st.lists(st.integers(0, 100), min_size=1, max_size=6).map(
    lambda pcts: [{"traffic_percent": p, "monitor_minutes": 5} for p in sorted(pcts)] + [{"traffic_percent": 100, "monitor_minutes": 0}])


@FAST
@given(strategy=st.sampled_from(["canary", "blue_green", "rolling", "big_bang"]), overrides=st.one_of(st.none(), stage_lists))
def test_plans_end_at_full_traffic(strategy, overrides):
    if overrides is not None:
        assert deployments.validate_stage_list(overrides) == []
    plan = deployments.build_plan(strategy, overrides)
    assert plan and plan[-1].traffic_percent == 100
    assert [s.traffic_percent for s in plan] == sorted(s.traffic_percent for s in plan)


optional = lambda s: st.one_of(st.none(), s)  # noqa: E731
metrics = st.builds(deployments.Metrics, error_rate=optional(st.one_of(st.floats(0, 1), st.just(float("nan")))),
                    p99_ms=optional(st.one_of(st.floats(0, 5000), st.just(float("nan")))), healthy=optional(st.booleans()))


@FAST
@given(m=metrics, gates=st.sampled_from([deployments.ALL_GATES, deployments.HEALTH_ONLY]),
       state=st.sampled_from([deployments.RUNNING, deployments.HOLDING]))
def test_any_breach_rolls_back_and_no_data_holds(m, gates, state):
    result = deployments.evaluate_gates(m, p99_threshold_ms=500, gates=gates)
    if any(check.passed is False for check in result.checks):
        assert result.decision == "breach"
        assert deployments.transition(state, "breach") == deployments.ROLLED_BACK
    elif any(check.passed is None for check in result.checks):
        assert result.decision == "no_data"
        assert deployments.transition(state, "hold") == deployments.HOLDING
    else:
        assert result.decision == "pass"
    assert result.reasons  # the decision always says why
