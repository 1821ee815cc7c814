"""CSV export of the deployment list: the page's state filter and order, every row."""

import csv
import io
import re

import pytest
from django.utils import timezone

from changes.tests.factories import ChangeRequestFactory
from deployments.models import Deployment
from deployments.tests.factories import DeploymentFactory
from releases.tests.factories import ReleaseFactory
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "id", "service", "environment", "version", "strategy", "state", "traffic_percent", "critical", "recorded",
    "against_a_gate", "gate_violations", "change", "release", "requested_by", "created_at", "started_at", "finished_at",
]


def read(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_deployment_export_header_row_and_order(client_for, users):
    service = ServiceFactory(slug="api")
    change = ChangeRequestFactory(requester=users["manager"])
    done = DeploymentFactory(service=service, version="=1+1", state="succeeded", traffic_percent=100, recorded=True,
                             flagged=True, gate_violations=["p99 720 ms over 500 ms"], change=change,
                             release=ReleaseFactory(version="v3.1.0"), requested_by=users["manager"])
    running = DeploymentFactory(service=service, state="running", traffic_percent=5)
    response = client_for("viewer").get("/deployments/export.csv")
    assert response["Content-Disposition"] == f'attachment; filename="deployments-{timezone.localdate().isoformat()}.csv"'
    rows = read(response)
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == [str(running.pk), str(done.pk)]  # active first, as on the page
    row = dict(zip(HEADER, rows[2]))
    assert row["service"] == "api" and row["version"] == "'=1+1" and row["state"] == "succeeded"
    assert row["traffic_percent"] == "100" and row["recorded"] == "yes" and row["against_a_gate"] == "yes"
    assert row["gate_violations"] == "p99 720 ms over 500 ms" and row["change"] == change.reference
    assert row["release"] == "v3.1.0" and row["requested_by"] == "manager" and row["finished_at"] == ""


def test_deployment_export_applies_the_state_filter(client_for):
    failed = DeploymentFactory(state="failed")
    DeploymentFactory(state="succeeded")
    client = client_for("viewer")
    assert [r[0] for r in read(client.get("/deployments/export.csv?state=failed"))[1:]] == [str(failed.pk)]
    assert read(client.get("/deployments/export.csv?state=<nope>&page=zz"))[1:] == []  # bad input: empty, not a 500


def test_deployment_export_has_every_row_in_bounded_queries(client_for, django_assert_max_num_queries):
    service = ServiceFactory(slug="web")
    Deployment.objects.bulk_create(Deployment(service=service, version=f"2.0.{n}", state="succeeded") for n in range(55))
    DeploymentFactory(service=service, state="failed")
    client = client_for("viewer")
    with django_assert_max_num_queries(6):
        rows = read(client.get("/deployments/export.csv?state=succeeded"))
    assert len(rows) == 56 and {r[1] for r in rows[1:]} == {"web"} and {r[5] for r in rows[1:]} == {"succeeded"}
    page = client.get("/deployments/?state=succeeded").content.decode()
    assert page.count('data-testid="deployment-row"') == 50  # the page: one page of 50
    assert 'href="/deployments/export.csv?state=succeeded"' in page


def test_deployment_export_needs_login(client):
    response = client.get("/deployments/export.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _page_ids(client, query):
    html = client.get("/deployments/", query).content.decode()
    return [int(pk) for pk in re.findall(r'data-testid="deployment-row"><td><a href="/deployments/(\d+)/"', html)]


def test_the_page_its_export_and_the_api_list_match_the_same_deployments(client_for, api_for):
    """One FilterSet (deployments/filtersets.py) for the three: the same query string gives the
    same deployments in the same order, whichever filters it combines."""
    api, web = ServiceFactory(slug="api"), ServiceFactory(slug="web")
    made = {
        "api-prod-ok": DeploymentFactory(service=api, environment="production", state="succeeded"),
        "api-prod-failed": DeploymentFactory(service=api, environment="production", state="failed"),
        "api-staging-ok": DeploymentFactory(service=api, environment="staging", state="succeeded"),
        "web-prod-running": DeploymentFactory(service=web, environment="production", state="running"),
        "web-prod-ok": DeploymentFactory(service=web, environment="production", state="succeeded"),
    }
    expected = {
        (): ["web-prod-running", "web-prod-ok", "api-staging-ok", "api-prod-failed", "api-prod-ok"],
        (("state", "succeeded"),): ["web-prod-ok", "api-staging-ok", "api-prod-ok"],
        (("service", "api"),): ["api-staging-ok", "api-prod-failed", "api-prod-ok"],
        (("environment", "Prod "),): ["web-prod-running", "web-prod-ok", "api-prod-failed", "api-prod-ok"],
        (("service", "api"), ("environment", "production"), ("state", "succeeded")): ["api-prod-ok"],
        (("service", "nobody"),): [],
        (("state", ""), ("service", "")): ["web-prod-running", "web-prod-ok", "api-staging-ok", "api-prod-failed", "api-prod-ok"],
    }
    client, rest = client_for("viewer"), api_for("viewer")
    for query, names in expected.items():
        want = [made[name].pk for name in names]
        params = dict(query)
        assert _page_ids(client, params) == want, query
        assert [int(r[0]) for r in read(client.get("/deployments/export.csv", params))[1:]] == want, query
        body = rest.get("/api/v1/deployments/", params).json()
        assert [d["id"] for d in body["results"]] == want and body["count"] == len(want), query
