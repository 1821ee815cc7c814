"""The home dashboard: its panels, their self-refresh, and a query count independent of size."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from changes.tests.factories import ChangeRequestFactory
from deployments.tests.factories import DeploymentFactory
from incidents.tests.factories import IncidentFactory
from insights.views import PANELS
from releases.tests.factories import ReleaseFactory
from sla.models import Service, Team

pytestmark = pytest.mark.django_db


def make_world(n_services, users):
    team = Team.objects.create(slug=f"team-{n_services}", name=f"Team {n_services}")
    Service.objects.bulk_create(
        Service(slug=f"svc-{n_services}-{i}", name=f"Service {i}", sla_target=Decimal("99.9"), team=team,
                freeze_active=i % 3 == 0)
        for i in range(n_services)
    )
    services = list(Service.objects.filter(team=team).order_by("slug")[:5])
    now = timezone.now()
    for i in range(min(n_services, 30)):
        s = services[i % len(services)]
        IncidentFactory(services=[s, services[0]], severity=f"SEV-{i % 4 + 1}", state="respond")
        DeploymentFactory(service=s, state="running", traffic_percent=10)
        DeploymentFactory(service=s, state="succeeded", finished_at=now - timedelta(days=i % 20))
        ChangeRequestFactory(requester=users["manager"], state="submitted", services=[s])
        ReleaseFactory(target_date=(now + timedelta(days=i % 14)).date(), services=services[:3])


def test_budgets_at_risk_are_remembered_until_an_impact_window_changes(client_for, users, settings):
    from sla.models import ImpactWindow

    settings.BUDGET_PANEL_CACHE_SECONDS = 60
    make_world(10, users)
    service = Service.objects.filter(freeze_active=False).order_by("slug").first()
    client = client_for("manager")
    assert service.name not in client.get("/dashboard/panels/freezes/").content.decode()
    # An hour of impact this month: more than the 43.8-minute budget (exhausted), shown at once.
    now = timezone.now()
    window = ImpactWindow.objects.create(service=service, source_ref="INC-TEST", title="outage", started_at=now - timedelta(minutes=60),
                                         ended_at=now, counts_against_sla=True)
    html = client.get("/dashboard/panels/freezes/").content.decode()
    assert service.name in html and "budget left" in html
    queries = dashboard_queries(client, "/dashboard/panels/freezes/")
    window.delete()  # the cache is dropped: the budget is read again and the service is back on track
    assert service.name not in client.get("/dashboard/panels/freezes/").content.decode()
    assert dashboard_queries(client, "/dashboard/panels/freezes/") == queries  # remembered again
    settings.BUDGET_PANEL_CACHE_SECONDS = 0
    assert dashboard_queries(client, "/dashboard/panels/freezes/") == queries + 2  # impact and maintenance windows


def dashboard_queries(client, url="/"):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_is_the_same_with_10_and_1000_services(client_for, users, settings):
    settings.DORA_CACHE_SECONDS = settings.BUDGET_PANEL_CACHE_SECONDS = 0  # computed on both renders
    client = client_for("cab1")
    make_world(10, users)
    client.get("/")  # the session's first activity mark is written once
    small = dashboard_queries(client)
    make_world(1000, users)
    large = dashboard_queries(client)
    assert Service.objects.count() == 1010
    assert small == large, f"{small} queries with 10 services, {large} with 1,000"


@pytest.mark.parametrize("username", ["manager", "viewer"])
def test_dashboard_shows_each_panel_refreshing_itself(client_for, users, username):
    make_world(10, users)
    html = client_for(username).get("/").content.decode()
    for name in PANELS:
        assert f'id="panel-{name}"' in html
        assert f'hx-get="/dashboard/panels/{name}/"' in html
    # DORA over 30 days barely moves: its tiles refresh every 5 minutes, the rest every 30 s.
    assert html.count('hx-trigger="every 30s"') == len(PANELS) - 1
    assert html.count('hx-trigger="every 300s"') == 1


def test_each_panel_url_returns_just_its_partial(client_for, users):
    make_world(10, users)
    client = client_for("manager")
    for name in PANELS:
        response = client.get(f"/dashboard/panels/{name}/", headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200
        assert html.startswith("<section") and f'id="panel-{name}"' in html and "<html" not in html


def test_panels_content(client_for, users):
    frozen = Service.objects.create(slug="checkout", name="Checkout", sla_target=Decimal("99.9"), freeze_active=True)
    IncidentFactory(services=[frozen], severity="SEV-1", state="triage", title="Payments down")
    IncidentFactory(services=[frozen], severity="SEV-2", state="closed", title="Old one")
    mine = ChangeRequestFactory(requester=users["cab1"], state="submitted", title="My own change")
    theirs = ChangeRequestFactory(requester=users["manager"], state="submitted", title="Their change")
    ChangeRequestFactory(requester=users["manager"], state="draft", title="A draft")
    ReleaseFactory(version="v2.0.0", target_date=timezone.localdate() + timedelta(days=14))
    ReleaseFactory(version="v3.0.0", target_date=timezone.localdate() + timedelta(days=15))
    DeploymentFactory(service=frozen, state="paused", version="9.9.9")
    html = client_for("cab1").get("/").content.decode()
    assert "Checkout" in html and "frozen" in html
    assert "Payments down" in html and "Old one" not in html
    assert "SEV-1: 1" in html
    assert theirs.reference in html and mine.reference not in html and "A draft" not in html
    assert "v2.0.0" in html and "v3.0.0" not in html
    assert "9.9.9" in html
    # On call decides emergency changes only: the normal change does not wait for them.
    oncall_html = client_for("oncall").get("/").content.decode()
    assert theirs.reference not in oncall_html and "Nothing waits for your approval." in oncall_html
    # A viewer approves nothing: a note instead.
    assert "Change requests are approved by CAB members" in client_for("viewer").get("/").content.decode()


def test_budgets_at_risk_panel_uses_live_sla_budgets(users, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from sla.models import ImpactWindow
    from sla.tests.factories import ServiceFactory

    burning = ServiceFactory(slug="burning", name="Burning service")
    ServiceFactory(slug="calm", name="Calm service")
    now = timezone.now()
    ImpactWindow.objects.create(service=burning, source_ref="INC-2026-0999", started_at=now - timedelta(minutes=100), ended_at=now)
    html = client_for("manager").get("/dashboard/panels/freezes/").content.decode()
    assert "Burning service" in html and "budget left" in html
    assert "Calm service" not in html


def test_panel_counts_cover_every_row_not_only_the_listed_ones(users):
    """The counts come from window counts on the listed rows: they still count everything."""
    from incidents.tests.factories import TimelineEntryFactory
    from insights.selectors.dashboard import changes_awaiting_approval, freezes_and_budgets_at_risk, open_incidents_by_severity

    for severity in ["SEV-2", "SEV-2", "SEV-1", "SEV-4"]:
        IncidentFactory(severity=severity, state="respond")
    IncidentFactory(severity="SEV-3", state="closed")
    pinged = IncidentFactory(severity="SEV-1", state="triage")
    update_at = timezone.now() - timedelta(minutes=5)
    TimelineEntryFactory(incident=pinged, kind="status_update", at=update_at - timedelta(minutes=30))
    TimelineEntryFactory(incident=pinged, kind="status_update", at=update_at)
    TimelineEntryFactory(incident=pinged, kind="note", at=update_at + timedelta(minutes=1))
    panel = open_incidents_by_severity(limit=2)
    assert panel["by_severity"] == [("SEV-1", 2), ("SEV-2", 2), ("SEV-3", 0), ("SEV-4", 1)]
    assert panel["total"] == 5
    assert [row.incident.severity for row in panel["items"]] == ["SEV-1", "SEV-1"]
    by_pk = {row.incident.pk: row.incident for row in panel["items"]}
    assert by_pk[pinged.pk].last_status_update_at == update_at

    for _ in range(3):
        ChangeRequestFactory(requester=users["manager"], state="submitted", change_type="normal")
    approvals = changes_awaiting_approval(user=users["cab1"], limit=2)
    assert len(approvals["items"]) == 2 and approvals["total"] == 3
    assert changes_awaiting_approval(user=users["viewer"]) is None

    team = Team.objects.create(slug="t", name="T")
    for i in range(4):
        Service.objects.create(slug=f"s{i}", name=f"S{i}", sla_target=Decimal("99.9"), team=team, freeze_active=i < 3)
    freezes = freezes_and_budgets_at_risk(limit=2)
    assert [s.slug for s in freezes["frozen"]] == ["s0", "s1"] and freezes["frozen_count"] == 3


def test_no_open_incident_and_nothing_awaiting(users):
    from insights.selectors.dashboard import changes_awaiting_approval, open_incidents_by_severity

    panel = open_incidents_by_severity()
    assert panel["items"] == [] and panel["total"] == 0 and all(n == 0 for _, n in panel["by_severity"])
    assert changes_awaiting_approval(user=users["cab1"]) == {"items": [], "total": 0, "limit": 20}
