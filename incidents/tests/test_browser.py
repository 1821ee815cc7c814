"""On-call runs an incident in a real Chromium; a manager writes the post-mortem and closes it."""

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.browser


def test_incident_from_open_to_closed(page, live_server, users, login, console_errors):
    ServiceFactory(slug="portal", name="Portal")
    login(page, "oncall")
    page.goto(live_server.url + "/incidents/")
    page.get_by_test_id("open-incident").click()
    page.fill("#id_title", "Checkout returns 502")
    page.select_option("#id_severity", "SEV-1")
    page.get_by_label("Portal").check()
    page.fill("#id_summary", "Card payments fail.")
    page.get_by_role("button", name="Open incident").click()
    expect(page.get_by_test_id("state")).to_have_text("Detect")
    reference = Incident.objects.get().reference
    expect(page.locator("h1")).to_contain_text(reference)

    page.get_by_test_id("move-triage").click()
    expect(page.get_by_test_id("state")).to_have_text("Triage")
    expect(page.get_by_test_id("commander")).to_have_text("oncall")
    expect(page.get_by_test_id("next-update").locator("time[data-deadline]")).to_have_count(1)

    # Timeline entries appear in place: the page is not reloaded (the marker survives).
    page.evaluate("window.__noReload = true")
    form = page.get_by_test_id("timeline-form")
    form.locator("select[name=kind]").select_option("status_update")
    form.locator("textarea[name=text]").fill("Rolling back **checkout** to v2.4.3")
    form.get_by_role("button", name="Add to timeline").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Rolling back checkout to v2.4.3")
    expect(page.get_by_test_id("timeline").locator("strong", has_text="checkout")).to_have_count(1)
    form = page.get_by_test_id("timeline-form")
    form.locator("select[name=kind]").select_option("decision")
    form.locator("textarea[name=text]").fill("Keep the payment provider failover off")
    form.get_by_role("button", name="Add to timeline").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Keep the payment provider failover off")
    expect(page.get_by_test_id("timeline-form").locator("textarea[name=text]")).to_have_value("")
    assert page.evaluate("window.__noReload") is True

    page.get_by_test_id("move-respond").click()
    expect(page.get_by_test_id("state")).to_have_text("Respond")
    page.get_by_test_id("move-resolve").click()
    expect(page.get_by_test_id("state")).to_have_text("Resolve")
    expect(page.get_by_test_id("next-update")).to_have_text("none due")
    page.get_by_role("button", name="Log out").click()

    login(page, "manager")
    page.goto(f"{live_server.url}/incidents/{reference}/")
    page.get_by_test_id("move-review").click()
    expect(page.get_by_test_id("state")).to_have_text("Review")
    page.get_by_test_id("postmortem-link").click()
    expect(page.locator("h1")).to_contain_text("Post-mortem")
    for field, text in [("summary", "Checkout failed for 40 minutes."), ("impact", "All card payments."),
                        ("root_cause", "A config change disabled retries."), ("contributing_factors", "No canary."),
                        ("went_well", "Fast rollback."), ("went_badly", "Late detection.")]:
        page.fill(f"#id_{field}", text)
    page.get_by_test_id("complete-postmortem").click()
    expect(page.get_by_test_id("postmortem-status")).to_contain_text("complete")
    ai = page.get_by_test_id("action-item-form")
    ai.locator("input[name=title]").fill("Canary for checkout config")
    ai.locator("select[name=owner]").select_option(label="Olive Oncall" if users["oncall"].get_full_name() else "oncall")
    ai.locator("input[name=due_date]").fill("2026-12-31")
    ai.get_by_role("button", name="Add action item").click()
    expect(page.get_by_test_id("action-item")).to_contain_text("Canary for checkout config")

    page.goto(f"{live_server.url}/incidents/{reference}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("move-closed").click()
    expect(page.get_by_test_id("state")).to_have_text("Closed")
    assert Incident.objects.get().state == "closed"
    assert console_errors == []
