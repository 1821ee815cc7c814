"""The generic CSV export helper and the pre-mortem risk export of a release."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from changes.tests.factories import ChangeRequestFactory
from delivery_portal import exports
from delivery_portal.exports import csv_response, dated_filename, escape_cell
from deployments.tests.factories import DeploymentFactory
from incidents.tests.factories import IncidentFactory
from releases.tests.factories import ReleaseFactory
from sla.models import Service
from sla.tests.factories import ServiceFactory


def read(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize(("value", "expected"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@foo", "'@foo"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("a=b", "a=b"), (-5, -5), (Decimal("-1.5"), Decimal("-1.5")), (None, ""), (True, "yes"),
    (date(2026, 1, 2), "2026-01-02"), (datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "2026-01-02T03:04:00+00:00"),
])
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_csv_response_streams_rows_from_dicts_objects_and_callables():
    rows = [{"name": "=evil()", "team": {"slug": "a"}, "n": 1}, {"name": "ok", "team": None, "n": -2}]
    response = csv_response(rows, [("Name", "name"), ("Team", "team.slug"), ("Double", lambda r: r["n"] * 2)],
                            filename="x y.csv")
    assert response["Content-Disposition"] == 'attachment; filename="xy.csv"'
    assert read(response) == [["Name", "Team", "Double"], ["'=evil()", "a", "2"], ["ok", "", "-4"]]


@pytest.mark.django_db
def test_csv_response_from_a_queryset():
    ServiceFactory(slug="b-svc", name="-B")
    ServiceFactory(slug="a-svc", name="A")
    response = csv_response(Service.objects.select_related("team").order_by("slug"),
                            [("slug", "slug"), ("name", "name"), ("team", "team.slug"), ("tier", "get_tier_display")],
                            filename="services.csv")
    rows = read(response)
    assert rows[1][:2] == ["a-svc", "A"] and rows[2][1] == "'-B" and rows[1][3] == "Standard"


@pytest.mark.django_db
def test_csv_response_prefetches_per_chunk_not_per_row(monkeypatch, django_assert_num_queries):
    """A prefetch_related lookup is read once per chunk of rows, and the rows are streamed."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    service = ServiceFactory(slug="svc")
    for _ in range(5):
        IncidentFactory(services=[service])
    from incidents.models import Incident

    response = csv_response(Incident.objects.prefetch_related("services").order_by("pk"),
                            [("ref", "reference"), ("services", lambda i: ",".join(s.slug for s in i.services.all()))],
                            filename="incidents.csv")
    with django_assert_num_queries(1 + 3):  # the incidents, then the services of each chunk of 2
        rows = read(response)
    assert len(rows) == 6 and {r[1] for r in rows[1:]} == {"svc"}


def test_dated_filename():
    assert dated_filename("incidents", on=date(2026, 3, 4)) == "incidents-2026-03-04.csv"
    assert dated_filename("changes").startswith("changes-20")


@pytest.fixture
def release(db, users):
    api = ServiceFactory(slug="api", name="API", freeze_active=True)
    web = ServiceFactory(slug="web", name="Web")
    release = ReleaseFactory(version="v2.5.0", release_type="patch", services=[api, web])
    emergency = ChangeRequestFactory(requester=users["manager"], change_type="emergency")
    normal = ChangeRequestFactory(requester=users["manager"], change_type="normal")
    DeploymentFactory(service=api, release=release, change=emergency, strategy="canary", state="succeeded")
    DeploymentFactory(service=web, release=release, change=normal, strategy="canary", state="succeeded")
    now = timezone.now()
    DeploymentFactory(service=api, state="failed")
    DeploymentFactory(service=api, state="rolled_back")
    old = DeploymentFactory(service=api, state="failed")
    type(old).objects.filter(pk=old.pk).update(created_at=now - timedelta(days=120))
    IncidentFactory(services=[api, web], impact_started_at=now - timedelta(days=3))
    IncidentFactory(services=[api], impact_started_at=now - timedelta(days=100))
    # 100 minutes of impact on web this month: more than its 43.8-minute budget.
    from sla.models import ImpactWindow

    ImpactWindow.objects.create(service=web, source_ref="INC-X", started_at=now - timedelta(minutes=100), ended_at=now)
    return release


def test_release_risk_export_finds_the_release_by_any_spelling(client_for, release):
    client = client_for("viewer")
    assert client.get("/insights/releases/2.5.0/risk.json").json()["release"] == "v2.5.0"
    assert client.get("/insights/releases/2.5.0/risk.csv").status_code == 200
    assert client.get("/insights/releases/9.9.9/risk.json").status_code == 404


def test_release_risk_json(client_for, release, django_assert_max_num_queries):
    client = client_for("viewer")
    # 10 for the export itself + 2 for the services' budgets (sla's one-pass computation).
    with django_assert_max_num_queries(12):
        response = client.get("/insights/releases/v2.5.0/risk.json")
    assert response.status_code == 200
    body = response.json()
    assert body["release"] == "v2.5.0"
    assert body["strategy"]["used"] == ["canary"] and body["strategy"]["risk"] == "Low-Medium"
    assert body["strategy"]["recommended"] == "canary"
    assert body["change_types"] == {"emergency": [release.deployments.get(service__slug="api").change.reference],
                                    "normal": [release.deployments.get(service__slug="web").change.reference]}
    services = {s["service"]: s for s in body["services"]}
    assert services["api"] == {"service": "api", "name": "API", "freeze_active": True, "failed_deployments": 1,
                               "rolled_back_deployments": 1, "incidents": 1, "history_days": 90,
                               "burn_rate": 0.0, "budget_status": "on_track"}
    assert services["web"]["incidents"] == 1 and services["web"]["failed_deployments"] == 0
    assert services["web"]["budget_status"] in ("frozen", "exhausted") and services["web"]["burn_rate"] > 1.5
    assert any(r["subject"] == "web" and "burns its error budget" in r["detail"] and r["level"] == "high" for r in body["risks"])
    assert body["overall_risk"] == "high"
    assert body["risks"][0]["level"] == "high"


def test_release_risk_csv(client_for, release):
    response = client_for("viewer").get("/insights/releases/v2.5.0/risk.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = read(response)
    assert rows[0] == ["area", "subject", "level", "detail"]
    # Riskiest first; among equal levels the order of the JSON (strategy, changes, services).
    assert rows[1][:3] == ["change", "emergency", "high"] and rows[2][:3] == ["service", "api", "high"]
    assert {r[0] for r in rows[1:]} == {"strategy", "change", "service"}


def test_release_risk_without_deployments_assumes_the_recommended_strategy(client_for, db):
    ReleaseFactory(version="v3.0.0", release_type="major")
    body = client_for("viewer").get("/insights/releases/v3.0.0/risk.json").json()
    assert body["strategy"]["used"] == [] and body["strategy"]["recommended"] == "blue_green"
    assert body["strategy"]["risk"] == "Low" and body["overall_risk"] == "low"
    assert client_for("viewer").get("/insights/releases/nope/risk.json").status_code == 404
