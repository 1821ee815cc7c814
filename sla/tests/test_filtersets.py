"""One FilterSet per list: the SLA overview page and its CSV export answer a query string
with the same services in the same order; the maintenance-window API filters by service."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sla import selectors
from sla.tests.factories import ImpactWindowFactory, MaintenanceWindowFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(db):
    now = timezone.now()
    web, ops = TeamFactory(slug="web", name="Web"), TeamFactory(slug="ops", name="Ops")
    made = {
        "portal": ServiceFactory(slug="portal", name="Portal", team=web),
        "checkout": ServiceFactory(slug="checkout", name="Checkout", team=web, freeze_active=True),
        "search": ServiceFactory(slug="search", name="Search", team=ops),
        "billing": ServiceFactory(slug="billing", name="Billing portal", team=None),
    }
    # Checkout spends its whole month's budget; portal some of it.
    ImpactWindowFactory(service=made["checkout"], started_at=now - timedelta(hours=2), ended_at=now - timedelta(minutes=30))
    ImpactWindowFactory(service=made["portal"], started_at=now - timedelta(minutes=12), ended_at=now - timedelta(minutes=10))
    return made


def page_slugs(client, params):
    return re.findall(r'<tr data-service="([^"]+)"', client.get("/sla/", params).content.decode())


def csv_slugs(client, params):
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/sla/export.csv", params).streaming_content).decode())))
    return [row[0] for row in rows[1:]]


@pytest.mark.parametrize("params", [
    {}, {"team": "web"}, {"team": "nope"}, {"frozen": "yes"}, {"frozen": "no"}, {"frozen": "maybe"},
    {"q": "portal"}, {"q": "  PORT "}, {"status": "exhausted"}, {"status": "on_track", "sort": "-name"},
    {"sort": "burn"}, {"sort": "-remaining", "period": "year"}, {"sort": "<x>", "period": "eon", "status": "odd"},
    {"team": "web", "frozen": "no", "q": "o", "sort": "name"},
])
def test_page_and_csv_list_the_same_services_in_the_same_order(client_for, services, params):
    client = client_for("viewer")
    shown = page_slugs(client, params)
    assert shown == csv_slugs(client, params)
    # ... and those are the services the filters describe.
    f = {"team": "", "frozen": "", "q": "", "period": "month", "status": "", "sort": "status", **params}
    f["period"] = f["period"] if f["period"] in ("month", "quarter", "year") else "month"
    wanted = []
    for row in selectors.services_overview(selectors.overview_services(), period=f["period"], at=timezone.now()):
        service, budget = row["service"], row["budget"]
        q = f["q"].strip().lower()
        if ((not f["team"] or (service.team and service.team.slug == f["team"]))
                and (f["frozen"] not in ("yes", "no") or service.freeze_active == (f["frozen"] == "yes"))
                and (not q or q in service.name.lower() or q in service.slug)
                and (f["status"] not in ("on_track", "at_risk", "frozen", "exhausted") or budget.status == f["status"])):
            wanted.append(service.slug)
    assert sorted(shown) == sorted(wanted)


def test_the_status_sort_puts_the_worst_budget_first(client_for, services):
    assert page_slugs(client_for("viewer"), {})[0] == "checkout"
    assert page_slugs(client_for("viewer"), {"sort": "-status"})[-1] == "checkout"


def test_maintenance_window_api_filters_by_service(api_for, services):
    mine = MaintenanceWindowFactory(service=services["portal"])
    MaintenanceWindowFactory(service=services["search"])
    api = api_for("viewer")
    assert [w["id"] for w in api.get("/api/v1/maintenance-windows/", {"service": "portal"}).json()["results"]] == [mine.pk]
    assert api.get("/api/v1/maintenance-windows/", {"service": "nope"}).json()["count"] == 0
    assert api.get("/api/v1/maintenance-windows/").json()["count"] == 2
