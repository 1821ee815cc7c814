import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from sla import charts, selectors
from sla.domain import error_budget, intervals, periods
from sla.models import Freeze, MaintenanceWindow, Service
from sla.tests.factories import ImpactWindowFactory, ServiceFactory, TeamFactory


@pytest.fixture
def month_start():
    start, _ = periods.period_bounds("month", timezone.now(), selectors.portal_tz())
    return start


@pytest.fixture
def portal(db, month_start):
    service = ServiceFactory(slug="portal", name="Portal", team=TeamFactory(slug="web", name="Web"))
    now = timezone.now()
    start = max(month_start, now - timedelta(hours=3))
    ImpactWindowFactory(service=service, source_ref="INC-2026-0100", title="Checkout down", started_at=start,
                        ended_at=min(start + timedelta(minutes=30), now))
    return service


def test_overview_lists_status_budget_burn_and_freeze_in_bounded_queries(client_for, portal, django_assert_max_num_queries):
    team = TeamFactory(slug="data", name="Data")
    for n in range(40):
        s = ServiceFactory(slug=f"svc-{n:02d}", name=f"Svc {n:02d}", team=team)
        ImpactWindowFactory(service=s, started_at=timezone.now() - timedelta(minutes=5), ended_at=timezone.now())
    Service.objects.filter(slug="svc-07").update(freeze_active=True)
    client = client_for("viewer")
    with django_assert_max_num_queries(12):
        response = client.get("/sla/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Portal" in html and "Svc 39" in html and "badge frozen" in html
    assert 'hx-trigger="every 30s"' in html


def test_overview_filters_and_sorts_without_javascript(client_for, portal):
    ServiceFactory(slug="calm", name="Calm", team=TeamFactory(slug="ops", name="Ops"))
    client = client_for("viewer")
    html = client.get("/sla/?team=ops").content.decode()
    assert "Calm" in html and ">Portal<" not in html
    html = client.get("/sla/?q=port").content.decode()
    assert ">Portal<" in html and ">Calm<" not in html
    by_name = client.get("/sla/?sort=name").content.decode()
    assert by_name.index(">Calm<") < by_name.index(">Portal<")
    by_name_desc = client.get("/sla/?sort=-name").content.decode()
    assert by_name_desc.index(">Portal<") < by_name_desc.index(">Calm<")
    status = Service.objects.get(slug="portal")
    budget = selectors.service_budget(status)
    filtered = client.get(f"/sla/?status={budget.status}").content.decode()
    assert ">Portal<" in filtered
    # Sort links keep the filters.
    assert 'href="?team=ops&amp;sort=name"' in client.get("/sla/?team=ops").content.decode()


def test_overview_htmx_request_gets_only_the_table(client_for, portal):
    response = client_for("viewer").get("/sla/?sort=burn", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="sla-table"')
    assert "<html" not in html and 'hx-get="/sla/?sort=burn"' in html


def test_service_page_shows_chart_incidents_windows(client_for, portal):
    html = client_for("viewer").get("/sla/services/portal/").content.decode()
    assert 'data-figure="burn-down-data"' in html and "INC-2026-0100" in html and "Checkout down" in html
    figure = json.loads(re.search(r'<script id="burn-down-data" type="application/json">(.*?)</script>', html, re.S).group(1))
    ideal, actual = figure["data"]
    assert ideal["name"] == "Ideal" and ideal["y"] == [43.8, 0.0]
    assert actual["name"] == "Actual" and actual["y"][0] == 43.8 and actual["y"][-1] < 43.8
    assert "1h" in html and "14.4x" in html
    assert "Add a maintenance window" not in html  # viewers get no forms


def test_burn_down_figure_data():
    from datetime import datetime, timezone as tz

    utc = tz.utc
    impacts = [intervals.Window(datetime(2026, 11, 3, 10, tzinfo=utc), datetime(2026, 11, 3, 10, 20, tzinfo=utc))]
    budget = error_budget.compute_budget(target=Decimal("99.9"), period="month", at=datetime(2026, 11, 16, tzinfo=utc), tz=utc, impacts=impacts)
    figure = charts.burn_down_figure(budget, error_budget.consumption_curve(budget, impacts, []))
    ideal, actual = figure["data"]
    assert ideal["x"] == ["2026-11-01T00:00:00+00:00", "2026-12-01T00:00:00+00:00"]
    assert actual["x"] == ["2026-11-01T00:00:00+00:00", "2026-11-03T10:00:00+00:00", "2026-11-03T10:20:00+00:00", "2026-11-16T00:00:00+00:00"]
    assert actual["y"] == [43.8, 43.8, 23.8, 23.8]


def test_manager_adds_a_maintenance_window_and_the_budget_changes(client_for, portal):
    client = client_for("manager")
    before = selectors.service_budget(portal)
    window = portal.impact_windows.get()
    fmt = "%Y-%m-%dT%H:%M"
    local = timezone.localtime
    response = client.post("/sla/services/portal/maintenance/", {
        "starts_at": local(window.started_at).strftime(fmt), "ends_at": local(window.started_at + timedelta(hours=1)).strftime(fmt),
        "reason": "Planned DB failover",
    })
    assert response.status_code == 302
    after = selectors.service_budget(portal)
    assert after.consumed_minutes < before.consumed_minutes
    assert MaintenanceWindow.objects.get().created_by.username == "manager"
    assert "Maintenance window added" in client.get("/sla/services/portal/").content.decode()


def test_manager_removes_a_window_entered_by_mistake_and_the_minutes_count_again(client_for, portal):
    window = portal.impact_windows.get()
    maintenance = MaintenanceWindow.objects.create(service=portal, starts_at=window.started_at, ends_at=window.started_at + timedelta(hours=1),
                                                   reason="Wrong service")
    with_window = selectors.service_budget(portal)
    client = client_for("manager")
    page = client.get("/sla/services/portal/").content.decode()
    assert f'action="/sla/services/portal/maintenance/{maintenance.pk}/remove/"' in page
    assert 'data-testid="maintenance-remove"' not in client_for("viewer").get("/sla/services/portal/").content.decode()
    url = f"/sla/services/portal/maintenance/{maintenance.pk}/remove/"
    client.post(url, {"reason": ""})  # a reason is required: nothing removed
    assert MaintenanceWindow.objects.filter(pk=maintenance.pk).exists()
    assert client_for("oncall").post(url, {"reason": "x"}).status_code == 403
    assert MaintenanceWindow.objects.filter(pk=maintenance.pk).exists()
    response = client.post(url, {"reason": "entered on the wrong service"})
    assert response.status_code == 302 and not MaintenanceWindow.objects.exists()
    assert selectors.service_budget(portal).consumed_minutes > with_window.consumed_minutes
    removed = MaintenanceWindow.history.filter(history_type="-").get()
    assert removed.history_user.username == "manager" and "wrong service" in removed.history_change_reason


def test_window_ending_before_it_starts_is_a_clear_form_error(client_for, portal):
    response = client_for("manager").post("/sla/services/portal/maintenance/", {
        "starts_at": "2026-11-03T12:00", "ends_at": "2026-11-03T10:00", "reason": "x"})
    html = response.content.decode()
    assert response.status_code == 400  # bad input: the page again with the form's errors
    assert "The window must end after it starts." in html and html.count("The window must end after it starts.") == 1
    assert MaintenanceWindow.objects.count() == 0


def test_target_of_100_is_a_clear_form_error(client_for, db):
    client = client_for("manager")
    response = client.post("/sla/add/", {"slug": "x", "name": "X", "tier": "standard", "sla_target": "100", "p99_threshold_ms": "500"})
    assert response.status_code == 400
    assert "The SLA target must be above 0 and below 100 (e.g. 99.9)." in response.content.decode()
    response = client.post("/sla/add/", {"slug": "search", "name": "Search", "tier": "critical", "sla_target": "99.95", "p99_threshold_ms": "300"})
    assert response.status_code == 302 and response["Location"] == "/sla/services/search/"
    service = Service.objects.get(slug="search")
    response = client.post("/sla/services/search/edit/", {"name": "Search v2", "tier": "critical", "sla_target": "100", "p99_threshold_ms": "300"})
    assert "The SLA target must be above 0 and below 100" in response.content.decode()
    response = client.post("/sla/services/search/edit/", {"name": "Search v2", "tier": "critical", "sla_target": "99.5", "p99_threshold_ms": "300"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Search v2" and service.sla_target == Decimal("99.5") and service.slug == "search"


def test_manager_imposes_and_lifts_a_freeze_on_the_page(client_for, portal):
    client = client_for("manager")
    assert client.post("/sla/services/portal/freeze/", {"reason": ""}).status_code == 400
    assert client.post("/sla/services/portal/freeze/", {"reason": "Peak season"}).status_code == 302
    html = client.get("/sla/services/portal/").content.decode()
    assert "Peak season" in html and "Lift freeze" in html
    response = client.post("/sla/services/portal/freeze/", {"reason": "Twice"})
    assert response.status_code == 409 and "already frozen" in response.content.decode()
    assert client.post("/sla/services/portal/freeze/lift/", {"reason": "Season over"}).status_code == 302
    assert Freeze.objects.get().end_reason == "Season over"
    assert not Service.objects.get(slug="portal").freeze_active


def test_other_roles_cannot_post_forms(client_for, portal):
    services = Service.objects.count()
    assert client_for("oncall").post("/sla/services/portal/freeze/", {"reason": "x"}).status_code == 403
    assert client_for("cab1").post("/sla/add/", {}).status_code == 403
    assert not Freeze.objects.exists() and not Service.objects.get(slug="portal").freeze_active
    assert Service.objects.count() == services


def test_service_page_queries_do_not_grow_with_history(client_for, portal, django_assert_max_num_queries):
    from sla.services import recompute
    from sla.tests.factories import MaintenanceWindowFactory

    now = timezone.now()
    for n in range(30):
        ImpactWindowFactory(service=portal, started_at=now - timedelta(hours=n, minutes=30), ended_at=now - timedelta(hours=n, minutes=25))
        MaintenanceWindowFactory(service=portal, starts_at=now + timedelta(days=n), ends_at=now + timedelta(days=n, hours=1))
    for n in range(24):
        recompute.budget_recompute(at=now - timedelta(hours=n))
    client = client_for("viewer")
    with django_assert_max_num_queries(16):
        response = client.get("/sla/services/portal/")
    assert response.status_code == 200 and 'id="burn-history-data"' in response.content.decode()
