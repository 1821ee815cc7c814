"""DORA as aggregate queries: the same numbers as the pure reference, in a bounded number of queries."""

from datetime import UTC, date, datetime, timedelta

import pytest

from deployments.tests.factories import DeploymentFactory
from incidents.tests.factories import IncidentFactory
from insights.selectors.dora import DoraScope, dora_for_range, dora_weekly
from insights.tests.factories import DeploymentCommitFactory
from sla.tests.factories import ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
START, END = date(2026, 3, 1), date(2026, 3, 4)


def deploy(service, state="succeeded", at=T0, commits_hours=(), **kwargs):
    d = DeploymentFactory(service=service, state=state, finished_at=at, started_at=at and at - timedelta(minutes=10), **kwargs)
    for h in commits_hours:
        DeploymentCommitFactory(deployment=d, authored_at=at - timedelta(hours=h))
    return d


def incident(service, hours, resolved=T0, **kwargs):
    return IncidentFactory(
        services=[service], impact_started_at=resolved - timedelta(hours=hours), detected_at=resolved - timedelta(hours=hours),
        impact_ended_at=resolved, resolved_at=resolved, state="resolve", **kwargs,
    )


@pytest.fixture
def world():
    team = TeamFactory(slug="payments")
    api = ServiceFactory(slug="api", team=team)
    web = ServiceFactory(slug="web", team=team)
    other = ServiceFactory(slug="other", team=TeamFactory(slug="search"))
    # api: 4 production deployments, 1 failing -> 25 %; commits of 1, 3, 10 h and one negative
    deploy(api, commits_hours=(1, 3))
    deploy(api, commits_hours=(10, -5))
    deploy(api)
    deploy(api, state="failed", commits_hours=(100,))
    deploy(api, state="refused")
    deploy(api, state="running", at=None)
    deploy(api, environment="staging")
    deploy(api, at=T0 + timedelta(days=5))  # after the range
    # web: one succeeded that caused an incident, one rolled back
    caused = deploy(web, commits_hours=(2,))
    deploy(web, state="rolled_back")
    incident(web, 1, caused_by_deployment=caused)
    incident(web, 2)
    incident(api, 3)
    IncidentFactory(services=[api], state="respond")  # open: not in MTTR
    incident(other, 50)
    deploy(other, state="failed")
    return {"team": team, "api": api, "web": web, "other": other}


def test_four_deployments_with_one_failing_give_25_percent(world):
    metrics = dora_for_range(scope=DoraScope(service=world["api"]), start=START, end=END)
    assert metrics.counts.deployments == 4
    assert metrics.change_failure_rate == 0.25
    assert metrics.deployment_frequency_per_day == 0.75  # 3 successful over 4 days
    assert metrics.lead_time_hours_median == 3.0  # median of 1, 3, 10 (the negative one dropped)
    assert metrics.mttr_hours == 3.0


def test_team_scope_and_mttr_of_1_2_3_hours(world):
    metrics = dora_for_range(scope=DoraScope(team=world["team"]), start=START, end=END)
    assert metrics.counts.deployments == 6
    assert metrics.counts.failures == 3  # failed, rolled back, caused an incident
    assert metrics.change_failure_rate == 0.5
    assert metrics.mttr_hours == 2.0  # 1 h, 2 h, 3 h
    assert metrics.mttr_hours_median == 2.0
    assert metrics.counts.incidents_resolved == 3


def test_everything_matches_the_pure_reference(world):
    metrics = dora_for_range(start=START, end=END)
    assert metrics.counts.deployments == 7
    assert metrics.counts.incidents_resolved == 4
    assert metrics.change_failure_rate == pytest.approx(4 / 7)
    assert metrics.mttr_hours == pytest.approx((1 + 2 + 3 + 50) / 4)
    assert metrics.mttr_hours_median == pytest.approx(2.5)
    assert metrics.lead_time_hours_median == 2.5  # 1, 2, 3, 10


def test_range_is_inclusive_of_the_end_date(world):
    later = dora_for_range(scope=DoraScope(service=world["api"]), start=date(2026, 3, 7), end=date(2026, 3, 7))
    assert later.counts.succeeded == 1 and later.deployment_frequency_per_day == 1.0
    none = dora_for_range(scope=DoraScope(service=world["api"]), start=date(2026, 3, 8), end=date(2026, 3, 9))
    assert none.counts.deployments == 0 and none.change_failure_rate is None


def test_a_range_costs_three_queries(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        dora_for_range(scope=DoraScope(team=world["team"]), start=START, end=END)


def test_weekly_values_agree_with_range_values(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        weeks = dora_weekly(scope=DoraScope(team=world["team"]), end=date(2026, 3, 15), weeks=3)
    assert [w.start for w in weeks] == [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9)]
    for week in weeks:
        direct = dora_for_range(scope=DoraScope(team=world["team"]), start=week.start, end=week.end)
        assert week.as_dict() == direct.as_dict()
    # T0 (Monday 2 March) and the deployment of Saturday 7 March share a week.
    assert (weeks[0].counts.deployments, weeks[1].counts.deployments, weeks[2].counts.deployments) == (0, 7, 0)
    assert weeks[1].counts.succeeded == 5


@pytest.mark.usefixtures("requires_postgres")
def test_postgres_medians_are_computed_in_the_database(world, django_assert_num_queries):
    with django_assert_num_queries(3) as ctx:
        metrics = dora_for_range(start=START, end=END)
    assert "percentile_cont" in " ".join(q["sql"] for q in ctx.captured_queries)
    assert metrics.lead_time_hours_median == 2.5
