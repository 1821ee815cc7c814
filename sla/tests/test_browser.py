"""A delivery manager in a real Chromium: overview, service, chart, maintenance window."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sla import selectors
from sla.domain import periods
from sla.models import ImpactWindow
from sla.tests.factories import ServiceFactory, TeamFactory

pytestmark = pytest.mark.browser


def test_manager_adds_maintenance_and_sees_the_budget_change(page, live_server, users, login, console_errors):
    now = timezone.now().replace(second=0, microsecond=0)
    month_start, _ = periods.period_bounds("month", now, selectors.portal_tz())
    service = ServiceFactory(slug="portal", name="Customer Portal", team=TeamFactory(slug="web", name="Web"))
    ServiceFactory(slug="search", name="Search", team=service.team)
    started = max(month_start, now - timedelta(hours=2))
    ImpactWindow.objects.create(service=service, source_ref="INC-2026-0042", title="Login errors", started_at=started,
                                ended_at=min(started + timedelta(minutes=20), now))
    consumed_before = selectors.service_budget(service).consumed_minutes
    assert consumed_before > 0

    login(page, "manager")
    page.goto(live_server.url + "/sla/")
    row = page.locator("tr[data-service=portal]")
    expect(row).to_contain_text("Customer Portal")
    # Filtering in place (htmx) keeps only the matching service.
    page.fill("#f-q", "search")
    page.locator("#f-q").press("Enter")
    expect(page.locator("tr[data-service=portal]")).to_have_count(0)
    expect(page.locator("tr[data-service=search]")).to_have_count(1)
    page.goto(live_server.url + "/sla/")
    page.get_by_role("link", name="Customer Portal").click()
    page.wait_for_url(f"{live_server.url}/sla/services/portal/")
    expect(page.locator("#burn-down[data-drawn=true]")).to_be_visible()
    expect(page.locator("#burn-down .main-svg").first).to_be_attached()
    expect(page.get_by_test_id("consumed")).to_have_text(f"{consumed_before:.2f} min")

    page.get_by_text("Add a maintenance window").click()
    fmt = "%Y-%m-%dT%H:%M"
    local = timezone.localtime
    form = page.get_by_test_id("maintenance-form")
    form.get_by_label("Starts").fill(local(started).strftime(fmt))
    form.get_by_label("Ends").fill(local(started + timedelta(minutes=10)).strftime(fmt))
    form.get_by_label("Reason").fill("Planned failover")
    form.get_by_role("button", name="Add window").click()
    page.wait_for_url(f"{live_server.url}/sla/services/portal/")
    expect(page.get_by_text("Maintenance window added")).to_be_visible()
    consumed_after = selectors.service_budget(service).consumed_minutes
    assert consumed_after < consumed_before
    expect(page.get_by_test_id("consumed")).to_have_text(f"{consumed_after:.2f} min")
    expect(page.get_by_role("cell", name="Planned failover")).to_be_visible()
    expect(page.locator("#burn-down[data-drawn=true]")).to_be_visible()
    assert console_errors == []
