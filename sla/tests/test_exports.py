"""CSV export of the SLA overview: its filters and sort, every matching service with its budget."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from sla import selectors
from sla.models import Service
from sla.tests.factories import ImpactWindowFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "service", "name", "team", "tier", "sla_target", "period", "period_start", "period_end", "budget_minutes",
    "consumed_minutes", "remaining_minutes", "remaining_percent", "burn_rate", "status", "freeze",
]


def read(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def slugs(response):
    return [row[0] for row in read(response)[1:]]


@pytest.fixture
def portal(db):
    service = ServiceFactory(slug="portal", name="Portal", tier="critical", team=TeamFactory(slug="web", name="Web"))
    now = timezone.now()
    ImpactWindowFactory(service=service, started_at=now - timedelta(minutes=20), ended_at=now - timedelta(minutes=10))
    return service


def test_overview_export_header_and_budget_figures(client_for, portal):
    response = client_for("viewer").get("/sla/export.csv")
    assert response["Content-Disposition"] == f'attachment; filename="sla-{timezone.localdate().isoformat()}.csv"'
    rows = read(response)
    assert rows[0] == HEADER
    row = dict(zip(HEADER, rows[1]))
    budget = selectors.service_budget(portal)
    assert row["service"] == "portal" and row["name"] == "Portal" and row["team"] == "web" and row["tier"] == "critical"
    assert row["sla_target"] == "99.9" and row["period"] == "month" and row["status"] == budget.status
    assert Decimal(row["budget_minutes"]) == budget.budget_minutes
    assert Decimal(row["consumed_minutes"]) == budget.consumed_minutes == Decimal("10.00")
    assert Decimal(row["remaining_minutes"]) == budget.remaining_minutes
    assert Decimal(row["remaining_percent"]) == budget.remaining_percent
    assert Decimal(row["burn_rate"]) == budget.burn_rate and row["freeze"] == "no"


def test_overview_export_applies_the_filters_and_sort(client_for, portal):
    ops = TeamFactory(slug="ops", name="Ops")
    ServiceFactory(slug="calm", name="Calm", team=ops)
    ServiceFactory(slug="-iced", name="Iced", team=ops, freeze_active=True)
    client = client_for("viewer")
    assert slugs(client.get("/sla/export.csv?team=ops&sort=name")) == ["calm", "'-iced"]
    assert slugs(client.get("/sla/export.csv?team=ops&sort=-name")) == ["'-iced", "calm"]
    assert slugs(client.get("/sla/export.csv?frozen=yes")) == ["'-iced"]
    assert slugs(client.get("/sla/export.csv?frozen=no&q=port")) == ["portal"]
    status = selectors.service_budget(portal).status
    assert "portal" in slugs(client.get(f"/sla/export.csv?status={status}"))
    other = "exhausted" if status != "exhausted" else "on_track"
    assert "portal" not in slugs(client.get(f"/sla/export.csv?status={other}"))
    year = read(client.get("/sla/export.csv?period=year&q=calm"))
    assert [r[5] for r in year[1:]] == ["year"]
    # Unknown values are ignored or match nothing: never a 500.
    assert len(slugs(client.get("/sla/export.csv?period=eon&sort=<x>&status=odd&frozen=maybe&page=0"))) == 3
    assert slugs(client.get("/sla/export.csv?team=nope")) == []


def test_overview_export_has_every_service_in_bounded_queries(client_for, portal, django_assert_max_num_queries):
    team = TeamFactory(slug="data", name="Data")
    Service.objects.bulk_create(Service(slug=f"svc-{n:02d}", name=f"Svc {n:02d}", team=team, sla_target=Decimal("99.9"))
                            for n in range(55))  # page: 50
    for service in Service.objects.filter(slug__in=["svc-00", "svc-54"]):
        ImpactWindowFactory(service=service, started_at=timezone.now() - timedelta(minutes=5), ended_at=timezone.now())
    client = client_for("viewer")
    with django_assert_max_num_queries(8):
        rows = read(client.get("/sla/export.csv?team=data&sort=name"))
    assert [r[0] for r in rows[1:]] == [f"svc-{n:02d}" for n in range(55)]
    assert Decimal(rows[1][9]) == Decimal(rows[55][9]) == Decimal("5.00") and Decimal(rows[2][9]) == 0  # consumed
    page = client.get("/sla/?team=data&sort=name").content.decode()
    assert page.count("<tr data-service=") == 50
    assert 'href="/sla/export.csv?team=data&amp;sort=name"' in page


def test_overview_export_needs_login(client):
    response = client.get("/sla/export.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
