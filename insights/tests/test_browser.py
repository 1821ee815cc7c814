"""A manager opens the dashboard, follows the DORA panel to its page, filters it in place,
then fills in a maturity assessment and sees the level and the recommendations."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deployments.tests.factories import DeploymentFactory
from insights.domain.maturity import MATURITY_LEVELS
from sla.tests.factories import ServiceFactory, TeamFactory

pytestmark = pytest.mark.browser


def test_dashboard_to_dora_to_maturity_assessment(page, live_server, users, login, console_errors):
    team = TeamFactory(slug="payments", name="Payments")
    api = ServiceFactory(slug="api", name="API", team=team)
    for i in range(6):
        DeploymentFactory(service=api, state="succeeded", strategy="canary", finished_at=timezone.now() - timedelta(days=i))
    DeploymentFactory(service=api, state="failed", strategy="canary", finished_at=timezone.now())

    login(page, "manager")
    page.goto(live_server.url + "/")
    panel = page.get_by_test_id("panel-dora")
    expect(panel).to_contain_text("Change failure rate")
    panel.get_by_role("link", name="DORA trends").click()
    page.wait_for_url(live_server.url + "/insights/")
    expect(page.locator("h1")).to_have_text("DORA metrics")
    expect(page.locator('[data-figure="dora-change_failure_rate"][data-drawn="true"]')).to_be_visible()

    # Filters swap the results in place (htmx) and push the URL.
    page.get_by_label("Team").select_option("payments")
    expect(page.locator("#dora-results")).to_contain_text("Team Payments")
    expect(page.get_by_test_id("change_failure_rate")).to_have_text("14.3%")
    assert "team=payments" in page.url

    page.get_by_role("link", name="Delivery maturity").first.click()
    page.get_by_role("link", name="Assess Payments").click()
    expect(page.locator("h1")).to_contain_text("assess Payments")
    # The data already proves canary releases; tick levels 1 and 2 and part of 3.
    expect(page.get_by_test_id("maturity-form")).to_contain_text("canary rollouts")
    for level in MATURITY_LEVELS[:2]:
        for c in level.characteristics:
            box = page.locator(f'input[name="{c.key}"]')
            if box.is_enabled():
                box.check()
    page.locator('input[name="automated_testing"]').check()
    page.get_by_label("Notes").fill("Quarterly review")
    page.get_by_role("button", name="Save assessment").click()

    expect(page.get_by_test_id("maturity-level")).to_have_text("Level 2")
    expect(page.get_by_test_id("maturity-target")).to_have_text("Level 3")
    recommendations = page.get_by_test_id("maturity-recommendations")
    expect(recommendations).to_contain_text("Comprehensive monitoring")
    expect(recommendations).to_contain_text("Monitor the four golden signals")
    # Proven by the portal's own deployments (started from the portal), or ticked: not missing.
    expect(recommendations).not_to_contain_text("Push-button deploys")
    expect(recommendations).not_to_contain_text("Automated testing")
    page.get_by_role("link", name="History of Payments").click()
    expect(page.locator('[data-figure="maturity-history"][data-drawn="true"]')).to_be_visible()
    assert console_errors == []
