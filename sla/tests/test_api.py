from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from sla.models import Freeze, MaintenanceWindow, Service
from sla.tests.factories import ImpactWindowFactory, ServiceFactory, TeamFactory

UTC = timezone.utc
AT = "2026-11-18T02:24:00+00:00"


def t(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def portal(db):
    service = ServiceFactory(slug="portal", name="Portal", sla_target=Decimal("99.9"))
    ImpactWindowFactory(service=service, source_ref="INC-2026-0001", started_at=t(2026, 11, 3, 10), ended_at=t(2026, 11, 3, 10, 15))
    ImpactWindowFactory(service=service, source_ref="INC-2026-0002", started_at=t(2026, 11, 12, 8), ended_at=t(2026, 11, 12, 8, 5))
    # Not counting (a SEV-3), and after `at`: neither is counted.
    ImpactWindowFactory(service=service, source_ref="INC-2026-0003", started_at=t(2026, 11, 5), ended_at=t(2026, 11, 5, 2), counts_against_sla=False)
    ImpactWindowFactory(service=service, source_ref="INC-2026-0004", started_at=t(2026, 11, 19), ended_at=t(2026, 11, 19, 2))
    return service


def test_create_and_read_a_service(api_for):
    TeamFactory(slug="platform")
    api = api_for("manager")
    response = api.post("/api/v1/services/", {"slug": "search", "name": "Search", "tier": "critical", "sla_target": "99.95", "team": "platform"}, format="json")
    assert response.status_code == 201, response.json()
    body = api.get("/api/v1/services/search/").json()
    assert body["p99_threshold_ms"] == 500 and body["team"] == "platform" and body["tier"] == "critical"
    assert Decimal(body["sla_target"]) == Decimal("99.95")
    assert api.patch("/api/v1/services/search/", {"p99_threshold_ms": 300}, format="json").json()["p99_threshold_ms"] == 300


@pytest.mark.parametrize("target", ["100", "100.5", "0", "-3"])
def test_a_target_of_100_or_more_is_400(api_for, target):
    response = api_for("manager").post("/api/v1/services/", {"slug": "x", "name": "X", "tier": "standard", "sla_target": target}, format="json")
    assert response.status_code == 400
    assert "sla_target" in response.json()


def test_budget_has_exactly_the_contract_keys_and_the_handbook_numbers(api_for, portal):
    body = api_for("viewer").get(f"/api/v1/services/portal/budget/?period=month&at={AT.replace('+', '%2B')}").json()
    assert body == {
        "service": "portal",
        "period": "month",
        "period_start": "2026-11-01T00:00:00+00:00",
        "period_end": "2026-12-01T00:00:00+00:00",
        "sla_target": "99.9",
        "budget_minutes": 43.8,
        "consumed_minutes": 20.0,
        "remaining_minutes": 23.8,
        "remaining_percent": 54.34,
        "burn_rate": 0.8,
        "freeze": False,
        "status": "on_track",
    }


def test_budget_for_quarter_and_year(api_for, portal):
    api = api_for("viewer")
    quarter = api.get("/api/v1/services/portal/budget/", {"period": "quarter", "at": AT}).json()
    assert quarter["period_start"] == "2026-10-01T00:00:00+00:00" and quarter["budget_minutes"] == 131.4
    year = api.get("/api/v1/services/portal/budget/", {"period": "year", "at": AT}).json()
    assert year["period_end"] == "2027-01-01T00:00:00+00:00" and year["budget_minutes"] == 525.6
    assert year["consumed_minutes"] == 20.0


def test_budget_defaults_to_this_month_now(api_for, portal):
    body = api_for("viewer").get("/api/v1/services/portal/budget/").json()
    from sla import selectors
    from sla.domain import periods

    start, end = periods.period_bounds("month", datetime.now(UTC), selectors.portal_tz())
    assert body["period"] == "month" and (body["period_start"], body["period_end"]) == (start.isoformat(), end.isoformat())


def test_bad_period_and_at_are_400_with_field_messages(api_for, portal):
    api = api_for("viewer")
    response = api.get("/api/v1/services/portal/budget/", {"period": "week", "at": "yesterday"})
    assert response.status_code == 400
    body = response.json()
    assert body["period"] == ['Unknown period "week": use month, quarter or year.']
    assert body["at"] == ["Not a timestamp: use ISO 8601, e.g. 2026-11-18T02:24:00+00:00."]


def test_unknown_service_is_404(api_for, db):
    assert api_for("viewer").get("/api/v1/services/nope/budget/").status_code == 404


def test_maintenance_window_by_slug_changes_the_budget(api_for, portal):
    api = api_for("manager")
    response = api.post(
        "/api/v1/maintenance-windows/",
        {"service": "portal", "starts_at": "2026-11-03T10:00:00+00:00", "ends_at": "2026-11-03T10:10:00+00:00", "reason": "DB failover drill"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["service"] == "portal" and body["created_by"] == "manager"
    assert body["starts_at"] == "2026-11-03T10:00:00+00:00"
    budget = api.get("/api/v1/services/portal/budget/", {"at": AT}).json()
    assert budget["consumed_minutes"] == 10.0 and budget["remaining_minutes"] == 33.8
    listed = api.get("/api/v1/maintenance-windows/?service=portal").json()
    assert listed["count"] == 1


def test_maintenance_window_bad_input(api_for, portal):
    api = api_for("manager")
    backwards = api.post(
        "/api/v1/maintenance-windows/",
        {"service": "portal", "starts_at": "2026-11-03T12:00:00+00:00", "ends_at": "2026-11-03T10:00:00+00:00", "reason": "x"},
        format="json",
    )
    assert backwards.status_code == 400
    assert backwards.json() == {"ends_at": ["The window must end after it starts."]}
    unknown = api.post(
        "/api/v1/maintenance-windows/",
        {"service": "ghost", "starts_at": "2026-11-03T10:00:00+00:00", "ends_at": "2026-11-03T12:00:00+00:00", "reason": "x"},
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json() == {"service": ['No service with the slug "ghost".']}
    assert MaintenanceWindow.objects.count() == 0


def test_a_manager_deletes_a_maintenance_window_with_a_reason(api_for, portal):
    api = api_for("manager")
    created = api.post(
        "/api/v1/maintenance-windows/",
        {"service": "portal", "starts_at": "2026-11-03T10:00:00+00:00", "ends_at": "2026-11-03T10:10:00+00:00", "reason": "drill"},
        format="json",
    ).json()
    url = f"/api/v1/maintenance-windows/{created['id']}/"
    assert api_for("oncall").delete(url + "?reason=x").status_code == 403
    assert MaintenanceWindow.objects.filter(pk=created["id"]).exists()
    missing = api.delete(url)
    assert missing.status_code == 400 and "reason" in missing.json()
    assert api.delete(url + "?reason=entered+twice").status_code == 204
    assert not MaintenanceWindow.objects.exists()


def test_only_managers_add_maintenance_windows(api_for, portal):
    payload = {"service": "portal", "starts_at": "2026-11-03T10:00:00+00:00", "ends_at": "2026-11-03T12:00:00+00:00", "reason": "x"}
    assert api_for("oncall").post("/api/v1/maintenance-windows/", payload, format="json").status_code == 403
    assert api_for("viewer").post("/api/v1/maintenance-windows/", payload, format="json").status_code == 403
    assert not MaintenanceWindow.objects.exists()


def test_manager_imposes_and_lifts_a_freeze_through_the_api(api_for, portal):
    api = api_for("manager")
    response = api.post("/api/v1/services/portal/freeze/", {"reason": "Black Friday"}, format="json")
    assert response.status_code == 201
    assert response.json()["cause"] == "manual" and response.json()["started_by"] == "manager"
    assert api.get("/api/v1/services/portal/budget/").json()["freeze"] is True
    again = api.post("/api/v1/services/portal/freeze/", {"reason": "again"}, format="json")
    assert again.status_code == 409 and "already frozen" in again.json()["detail"]
    assert api.post("/api/v1/services/portal/lift-freeze/", {}, format="json").status_code == 400
    lifted = api.post("/api/v1/services/portal/lift-freeze/", {"reason": "Sale over"}, format="json")
    assert lifted.status_code == 200 and lifted.json()["ended_by"] == "manager"
    assert api.post("/api/v1/services/portal/lift-freeze/", {"reason": "x"}, format="json").status_code == 409
    assert api.get("/api/v1/services/portal/freezes/").json()["count"] == 1
    assert api_for("oncall").post("/api/v1/services/portal/freeze/", {"reason": "x"}, format="json").status_code == 403
    assert Freeze.objects.count() == 1 and not Service.objects.get(slug="portal").freeze_active


def test_changing_the_target_recomputes_the_freeze(api_for, portal):
    api = api_for("manager")
    # 20 minutes used this month; at 99.99% the month allows 4.38: exhausted, frozen.
    ImpactWindowFactory(service=portal, source_ref="INC-NOW", started_at=datetime.now(UTC) - timedelta(minutes=30), ended_at=datetime.now(UTC) - timedelta(minutes=1))
    assert api.patch("/api/v1/services/portal/", {"sla_target": "99.99"}, format="json").status_code == 200
    assert api.get("/api/v1/services/portal/").json()["freeze_active"] is True


def test_budget_result_fields_are_the_contract_keys():
    from dataclasses import fields

    from sla.selectors import BUDGET_KEYS, ServiceBudget

    assert tuple(f.name for f in fields(ServiceBudget)) == BUDGET_KEYS
    assert set(BUDGET_KEYS) == {"service", "period", "period_start", "period_end", "sla_target", "budget_minutes",
                                "consumed_minutes", "remaining_minutes", "remaining_percent", "burn_rate", "freeze", "status"}


def test_periods_follow_the_portal_time_zone(api_for, portal, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    body = api_for("viewer").get("/api/v1/services/portal/budget/", {"at": AT}).json()
    assert body["period_start"] == "2026-11-01T00:00:00+01:00"
    assert body["period_end"] == "2026-12-01T00:00:00+01:00"
    assert body["consumed_minutes"] == 20.0


def test_bulk_budgets_read_the_whole_period_for_many_services(portal, monkeypatch):
    from sla import selectors

    other = ServiceFactory(slug="other")
    ImpactWindowFactory(service=other, started_at=t(2026, 11, 4), ended_at=t(2026, 11, 4, 0, 7))
    at = datetime.fromisoformat(AT)
    few = selectors.services_budgets(Service.objects.filter(slug="portal"), at=at)
    monkeypatch.setattr(selectors, "FILTER_BY_ID_BELOW", 1)
    many = selectors.services_budgets(Service.objects.filter(slug="portal"), at=at)
    assert few == many and list(many) == [portal.pk]
    assert many[portal.pk].consumed_minutes == Decimal("20.00")
