"""A delivery manager starts a canary, watches it advance, and rolls it back, in Chromium.

The page polls (htmx); the test plays the worker and beat (outbox tasks, the beat task)
and the monitoring that pushes metrics. The manual router: the manager confirms shifts."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from delivery_portal.outbox import run_pending
from deployments import tasks
from deployments.models import Deployment, RolloutStage, StagePlanOverride
from deployments.services import engine

pytestmark = pytest.mark.browser


def test_manager_starts_a_canary_watches_it_advance_and_rolls_it_back(page, live_server, users, login, console_errors, service):
    StagePlanOverride.objects.create(
        service=service, environment="production", strategy="canary",
        stages=[{"traffic_percent": 5, "monitor_minutes": 30}, {"traffic_percent": 50, "monitor_minutes": 30},
                {"traffic_percent": 100, "monitor_minutes": 0}],
    )
    login(page, "manager")
    page.goto(live_server.url + "/deployments/guide/")
    page.get_by_label("Do you want to validate with a subset of users first?").check()
    page.get_by_role("button", name="Recommend").click()
    expect(page.get_by_test_id("recommendation")).to_contain_text("Recommended: Canary")
    page.get_by_role("link", name="Start a canary deployment").click()
    page.get_by_label("Service").select_option(service.slug)
    page.get_by_label("Version").fill("4.2.0")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_test_id("state")).to_have_text("Running")
    deployment = Deployment.objects.get(version="4.2.0")

    # Manual router: the manager moves 5% and confirms.
    page.get_by_role("button", name="Traffic moved to 5%").click()
    expect(page.get_by_test_id("traffic")).to_have_text("5%")
    engine.metrics_push(deployment=deployment, error_rate=0.002, p99_ms=150, healthy=True)
    # The stage comes due; the beat advances it. The page picks it up by polling.
    RolloutStage.objects.filter(deployment=deployment, index=0).update(due_at=timezone.now())
    tasks.advance_due_rollouts()
    run_pending()
    page.get_by_role("button", name="Traffic moved to 50%").click()
    expect(page.get_by_test_id("traffic")).to_have_text("50%")
    expect(page.get_by_test_id("stage").nth(0)).to_contain_text("Passed")
    expect(page.get_by_test_id("gate-values")).to_contain_text("pass")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Roll back").click()
    expect(page.get_by_test_id("state")).to_have_text("Rolled back")
    page.get_by_role("button", name="Traffic moved to 0%").click()
    expect(page.get_by_test_id("traffic")).to_have_text("0%")
    expect(page.get_by_test_id("events")).to_contain_text(re.compile("rollback"))
    deployment.refresh_from_db()
    assert deployment.state == "rolled_back" and deployment.traffic_percent == 0
    assert console_errors == []
