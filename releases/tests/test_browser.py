"""A delivery manager plans a release in a real Chromium and watches the verdict move."""

import pytest
from playwright.sync_api import expect

from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.browser

EVIDENCE = [
    ("bugs", {"open_p1": "0", "open_p2": "0"}),
    ("performance", {"p99_ms": "320", "target_ms": "500"}),
    ("security_scan", {"critical": "0", "high": "0"}),
    ("load_test", {"peak_multiple": "2"}),
    ("uat_signoff", {"signed_off_by": "Dana", "signed_off_at": "2024-01-23T10:00"}),
    ("documentation", {"pending_pages": "2"}),
    ("runbook", {"reviewed": True, "reviewed_at": "2024-01-22T10:00"}),
]


def record(page, live_server, criterion, fields):
    page.goto(f"{live_server.url}/releases/v3.1.0/evidence/")
    section = page.locator(f"#evidence-{criterion}")
    for name, value in fields.items():
        if value is True:
            section.locator(f"#id_{criterion}-{name}").check()
        else:
            section.locator(f"#id_{criterion}-{name}").fill(value)
    section.get_by_role("button").click()
    page.wait_for_url(f"{live_server.url}/releases/v3.1.0/")


def test_manager_plans_a_release_and_the_verdict_moves(page, live_server, users, login, console_errors):
    ServiceFactory(slug="portal", name="Portal")
    login(page, "manager")
    page.goto(f"{live_server.url}/releases/")
    page.get_by_role("link", name="Plan a release").click()
    page.fill("#id_version", "v3.1.0")
    page.fill("#id_target_date", "2030-01-24")
    page.get_by_label("Portal").check()
    page.get_by_role("button", name="Plan release").click()
    page.wait_for_url(f"{live_server.url}/releases/v3.1.0/")
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_text("NO-GO")

    # scope, added in place (htmx)
    form = page.get_by_test_id("add-feature")
    form.locator("#id_feature-title").fill("Team dashboards")
    form.locator("#id_feature-ticket").fill("PORT-200")
    form.get_by_role("button", name="Add feature").click()
    expect(page.locator("#scope")).to_contain_text("Team dashboards")
    form = page.get_by_test_id("add-bug_fix")
    form.locator("#id_bug_fix-title").fill("Slow search")
    form.locator("#id_bug_fix-priority").select_option("P2")
    form.get_by_role("button", name="Add bug fix").click()
    expect(page.locator("#scope")).to_contain_text("Slow search")
    expect(page.locator("[data-criterion=bugs]")).to_contain_text("1 open P1/P2 in scope")

    # the bug fix gets resolved, edited in place
    page.locator("#scope").get_by_role("row", name="Slow search").get_by_role("link", name="Edit").click()
    page.locator("select[name^='edit-bug_fix-'][name$='-status']").select_option("resolved")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#scope")).to_contain_text("Resolved")

    for criterion, fields in EVIDENCE:
        record(page, live_server, criterion, fields)
    expect(verdict).to_have_text("CONDITIONAL GO")
    expect(page.get_by_test_id("conditions")).to_contain_text("Complete documentation review before T-0")

    # T-7 ticked in place, its countdown gone
    row = page.locator("[data-comms=t_minus_7]")
    expect(row.locator("time[data-deadline]")).to_have_count(1)
    row.get_by_role("button", name="Mark done").click()
    expect(page.locator("[data-comms=t_minus_7]")).to_contain_text("done")
    expect(page.locator("[data-comms=t_minus_7] time[data-deadline]")).to_have_count(0)
    expect(page.locator("[data-comms=t_minus_1] time[data-deadline]")).to_contain_text("in ")

    record(page, live_server, "documentation", {"pending_pages": "0"})
    expect(page.get_by_test_id("verdict")).to_have_text("GO")
    assert console_errors == []
