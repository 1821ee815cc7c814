"""CSV export of the deployment list: the page's state filter and order, every row."""

import csv
import io

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
