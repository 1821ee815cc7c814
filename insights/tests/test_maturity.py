"""Maturity: evidence from the portal's data, the questionnaire, result and history pages."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from deployments.services import controls, engine, starting
from deployments.tests.factories import DeploymentFactory
from incidents.tests.factories import IncidentFactory
from insights import services
from insights.domain.maturity import MATURITY_LEVELS, maturity_evidence
from insights.selectors.maturity import team_delivery_facts
from insights.models import MaturityAssessment
from insights.tests.factories import MaturityAssessmentFactory
from sla.tests.factories import ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

LEVEL_1_2 = {c.key: "on" for lvl in MATURITY_LEVELS[:2] for c in lvl.characteristics}


@pytest.fixture
def team(users):
    team = TeamFactory(slug="payments", name="Payments")
    api = ServiceFactory(slug="api", team=team)
    other = ServiceFactory(slug="search", team=TeamFactory(slug="search"))
    now = timezone.now()
    for i in range(3):  # canaries the portal ran in production
        DeploymentFactory(service=api, strategy="canary", state="succeeded", finished_at=now - timedelta(days=i))
    for i in range(2):  # reported by a pipeline: its word, not evidence of a strategy
        DeploymentFactory(service=api, strategy="canary", state="succeeded", recorded=True, finished_at=now - timedelta(days=i))
    halted = starting.deployment_request(service=api, version="9.0", strategy="rolling", by=users["manager"])
    engine.metrics_push(deployment=halted, healthy=False)  # the health gate rolls it back
    DeploymentFactory(service=api, strategy="canary", state="refused")
    DeploymentFactory(service=other, strategy="canary", state="rolled_back")  # another team's
    IncidentFactory(services=[api])
    return team


def test_team_delivery_facts_from_aggregates(team, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        facts = team_delivery_facts(team=team)
    assert facts.deployments == 6  # the refused one does not count
    assert facts.canary_deployments == 3
    assert facts.automatic_rollbacks == 1
    assert facts.pipeline_deployments == 2 and facts.portal_deployments == 4
    assert facts.incidents == 1
    assert facts.deploys_per_day == pytest.approx(5 / 30)
    evidence = maturity_evidence(facts)
    assert "3 canary rollouts run by the portal in production" in evidence["canary_releases"]
    assert "1 automatic rollbacks in production (a metric gate breached)" in evidence["automated_rollbacks"]
    assert "automated_deploys" not in evidence


def test_evidence_counts_only_what_the_portal_saw_in_production(users):
    """A manager's rollback is not automatic, a pipeline's report proves no strategy and no
    automatic rollback, and staging proves nothing about production."""
    team = TeamFactory(slug="cards")
    api = ServiceFactory(slug="cards-api", team=team)
    manager = users["manager"]
    now = timezone.now()
    manual = starting.deployment_request(service=api, version="1.0", strategy="canary", by=manager)
    controls.deployment_rollback(deployment=manual, by=manager, reason="Wrong build")
    for status in ("rolled_back", "succeeded"):
        starting.deployment_record(service=api, version=f"1.1-{status}", strategy="canary", status=status, by=manager)
    reported = starting.deployment_record(service=api, version="1.2", status="succeeded", by=manager)
    assert reported.strategy == "unknown"  # a report without a strategy is not assumed canary
    staging = starting.deployment_request(service=api, environment="staging", version="1.3", by=manager)
    engine.metrics_push(deployment=staging, error_rate=0.5)
    DeploymentFactory(service=api, strategy="blue_green", state="succeeded", environment="staging", finished_at=now)
    facts = team_delivery_facts(team=team)
    assert (facts.automatic_rollbacks, facts.canary_deployments) == (0, 0)
    assert (facts.progressive_without_incident, facts.progressive_with_incident) == (0, 0)
    evidence = maturity_evidence(facts)
    assert not {"automated_rollbacks", "canary_releases", "zero_downtime_deploys"} & set(evidence)

    gated = starting.deployment_request(service=api, version="2.0", strategy="canary", by=manager)
    engine.metrics_push(deployment=gated, error_rate=0.02)
    assert gated.events.get(action="breach").actor is None
    DeploymentFactory(service=api, strategy="blue_green", state="succeeded", finished_at=now)  # run by the portal
    facts = team_delivery_facts(team=team)
    assert facts.automatic_rollbacks == 1 and facts.progressive_without_incident == 1 and facts.canary_deployments == 0
    assert set(maturity_evidence(facts)) >= {"automated_rollbacks", "zero_downtime_deploys"}


def test_recording_an_assessment_fills_in_the_evidence(team, users):
    assessment = services.maturity_assessment_record(team=team, answers={"feature_flags": True}, by=users["manager"])
    assert assessment.answers["canary_releases"] is True and assessment.answers["feature_flags"] is True
    assert assessment.answers["chaos_engineering"] is False
    assert "canary_releases" in assessment.evidence
    assert (assessment.level, assessment.target_level) == (0, 1)
    assert list(assessment.history.values_list("history_user__username", "history_change_reason")) == [
        ("manager", "assessed at level 0")
    ]


def test_questionnaire_result_and_history_pages(client_for, team):
    client = client_for("manager")
    form = client.get("/insights/maturity/payments/assess/").content.decode()
    assert "proven by data" in form and "3 canary rollouts" in form
    response = client.post("/insights/maturity/payments/assess/", {**LEVEL_1_2, "notes": "First look"})
    assert response.status_code == 302
    assessment = MaturityAssessment.objects.get()
    assert response["Location"] == f"/insights/maturity/assessments/{assessment.pk}/"
    assert (assessment.level, assessment.target_level) == (2, 3)
    result = client.get(response["Location"]).content.decode()
    assert "Level 2" in result and "Automated Build/Test" in result and "Continuous Delivery" in result
    assert "What is missing for level 3" in result
    assert "Automate integration and acceptance tests in the pipeline." in result
    assert "Full CI/CD" in result
    history = client.get("/insights/maturity/payments/history/")
    assert history.context["figure"]["data"][0]["y"] == [2]
    overview = client.get("/insights/maturity/").content.decode()
    assert "Level 2" in overview


def test_only_managers_record_assessments(client_for, team):
    assert client_for("cab1").post("/insights/maturity/payments/assess/", LEVEL_1_2).status_code == 403
    assert client_for("oncall").post("/insights/maturity/payments/assess/", LEVEL_1_2).status_code == 403
    assert client_for("viewer").post("/insights/maturity/payments/assess/", LEVEL_1_2).status_code == 403
    assert not MaturityAssessment.objects.exists()


def test_a_locked_evidence_field_cannot_be_unticked(client_for, team):
    client_for("manager").post("/insights/maturity/payments/assess/", {})  # nothing ticked
    assessment = MaturityAssessment.objects.get()
    assert assessment.answers["canary_releases"] is True  # proven by data


def test_history_chart_and_csv_export(client_for, team):
    now = timezone.now()
    for days, level in ((60, 1), (30, 2), (1, 3)):
        MaturityAssessmentFactory(team=team, assessed_at=now - timedelta(days=days), level=level, target_level=level + 1,
                                  notes="=HYPERLINK(\"http://evil\")")
    response = client_for("viewer").get("/insights/maturity/payments/history/")
    figure = response.context["figure"]
    assert figure["data"][0]["y"] == [1, 2, 3]
    assert figure["data"][1]["y"] == [2, 3, 4]
    csv_response = client_for("viewer").get("/insights/maturity/payments/history.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    assert [r["level"] for r in rows] == ["3", "2", "1"]
    assert rows[0]["notes"].startswith("'=")


def test_maturity_pages_have_a_bounded_query_count(client_for, team, django_assert_max_num_queries):
    for i in range(20):
        t = TeamFactory(slug=f"t{i}")
        MaturityAssessmentFactory(team=t)
        MaturityAssessmentFactory(team=t)
    client = client_for("viewer")
    with django_assert_max_num_queries(8):
        client.get("/insights/maturity/")
    with django_assert_max_num_queries(8):
        client.get("/insights/maturity/payments/history/")
