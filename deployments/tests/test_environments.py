"""Environment names: one canonical name per environment, written by every path and used by
the gates, DORA and maturity alike (prod/prd -> production, stage/stg -> staging)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from changes.models import ChangeState
from changes.tests.factories import ChangeRequestFactory
from deployments import domain, selectors
from deployments.models import Deployment, EnvironmentConfig, StagePlanOverride
from deployments.services import starting
from deployments.tests.factories import DeploymentFactory
from deployments.tests.test_deploy_script import deploy
from insights.selectors.dora import dora_for_range

URL = "/api/v1/deployments/"


@pytest.mark.parametrize(("name", "canonical"), [
    ("production", "production"), ("Production", "production"), ("  PROD ", "production"), ("prd", "production"),
    ("staging", "staging"), ("Stage", "staging"), ("stg", "staging"), (" QA-1 ", "qa-1"), ("", ""), (None, ""),
])
def test_canonical_environment(name, canonical):
    assert domain.canonical_environment(name) == canonical


def test_the_gates_use_the_same_names():
    blockers = ("Change CHG-1 is draft, not approved.",)
    for name in ("production", "Production", "prod", "PRD "):
        facts = domain.StartFacts(service="api", environment=name, strategy="canary", change_reference="CHG-1",
                                  change_blockers=blockers)
        assert domain.start_gate_reasons(facts) == list(blockers), name
    for name in ("staging", "stg", "production-eu"):
        assert not domain.is_production(name)


@pytest.mark.django_db
def test_the_api_stores_the_canonical_name_and_dora_counts_it(api_for, service, users):
    api = api_for("manager")
    recorded = api.post(URL, {"service": service.slug, "environment": "PRD", "version": "1.0.0", "strategy": "canary",
                              "status": "succeeded"}, format="json")
    assert recorded.status_code == 201 and recorded.json()["environment"] == "production"
    api.post(URL, {"service": service.slug, "environment": " Stg ", "version": "1.0.1", "status": "succeeded"}, format="json")
    started = api.post(URL, {"service": service.slug, "environment": "Prod", "version": "1.0.2"}, format="json")
    assert started.status_code == 201 and started.json()["environment"] == "production"
    assert sorted(Deployment.objects.values_list("environment", flat=True)) == ["production", "production", "staging"]
    dora = api.get("/api/v1/dora/", {"service": service.slug}).json()
    assert dora["counts"]["successful_deployments"] == 1  # the PRD one; the staging one is not production
    assert api.get("/api/v1/dora/", {"service": service.slug, "environment": "prod"}).json()["counts"] == dora["counts"]
    assert api.get(URL, {"environment": "Prod"}).json()["count"] == 2


@pytest.mark.django_db
def test_a_change_gate_applies_to_prod_and_the_refusal_is_stored_as_production(api_for, service, users):
    change = ChangeRequestFactory(requester=users["cab1"], state=ChangeState.SUBMITTED)
    response = api_for("manager").post(URL, {"service": service.slug, "environment": "prod", "version": "2.0.0",
                                             "change": change.reference}, format="json")
    assert response.status_code == 409 and any("not approved" in r for r in response.json()["reasons"])
    assert Deployment.objects.get(pk=response.json()["id"]).environment == "production"


@pytest.mark.django_db
def test_the_start_page_and_deploy_script_store_the_canonical_name(client_for, service, users, monkeypatch):
    response = client_for("manager").post(reverse("deployments:start"), {
        "service": service.slug, "environment": " Production ", "version": "3.0.0", "strategy": "canary"})
    assert response.status_code == 302
    assert Deployment.objects.get(version="3.0.0").environment == "production"
    monkeypatch.setenv("PORTAL_USER", "manager")
    assert deploy.main(["--service", service.slug, "--version", "3.0.1", "--env", "PROD", "--no-follow"]) == 0
    assert Deployment.objects.get(version="3.0.1").environment == "production"
    with pytest.raises(Exception, match="needs an environment"):
        starting.deployment_record(service=service, environment="  ", version="x", status="succeeded", by=users["manager"])


@pytest.mark.django_db
def test_stage_plans_and_router_configs_are_found_under_an_alias(service, users):
    StagePlanOverride.objects.create(service=service, environment="production", strategy="canary",
                                     stages=[{"traffic_percent": 10, "monitor_minutes": 1}, {"traffic_percent": 100}])
    EnvironmentConfig.objects.create(environment="production", router_kind="manual")
    assert [s.traffic_percent for s in selectors.plan_for(service=service, environment="Prod", strategy="canary")] == [10, 100]
    assert selectors.environment_config("PRD").pk is not None
    config = EnvironmentConfig(environment=" Stage ")
    config.full_clean()
    assert config.environment == "staging"


@pytest.mark.django_db
def test_the_data_migration_normalises_existing_rows(service):
    now = timezone.now()
    for name in ("prod", "Production", "PRD ", "production", "stg", "qa"):
        DeploymentFactory(service=service, environment=name, state="succeeded", recorded=True, finished_at=now)
    EnvironmentConfig.objects.create(environment="prod")
    StagePlanOverride.objects.create(service=service, environment="Stage", strategy="canary", stages=[{"traffic_percent": 100}])
    before = dora_for_range(start=now.date() - timedelta(days=1), end=now.date())
    assert before.counts.succeeded == 1  # only the exact "production" row was counted
    migration = importlib.import_module("deployments.migrations.0004_canonical_environment_names")
    migration.normalise(apps, None)
    assert sorted(Deployment.objects.values_list("environment", flat=True)) == ["production"] * 4 + ["qa", "staging"]
    assert EnvironmentConfig.objects.get().environment == "production"
    assert StagePlanOverride.objects.get().environment == "staging"
    after = dora_for_range(start=now.date() - timedelta(days=1), end=now.date())
    assert after.counts.succeeded == 4
