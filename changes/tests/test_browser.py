"""A requester submits a normal change; cab1 and cab2 approve it from the CAB agenda; it
appears on the change calendar. In a real Chromium."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from changes.models import ChangeRequest
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.browser


def test_submit_approve_from_agenda_and_see_on_calendar(page, live_server, users, login, console_errors):
    ServiceFactory(slug="checkout", name="Checkout")
    start = (timezone.now() + timedelta(days=8)).replace(hour=10, minute=0, second=0, microsecond=0)
    login(page, "oncall")
    page.goto(live_server.url + "/changes/")
    page.get_by_role("link", name="Request a change").click()
    page.get_by_label("Title").fill("Upgrade the checkout database")
    page.get_by_label("Change type").select_option("normal")
    page.get_by_label("Description").fill("PostgreSQL 15 to 16.")
    page.get_by_label("Justification").fill("Support for 15 ends.")
    page.get_by_label("Impact: systems").fill("orders-db")
    page.get_by_label("Checkout").check()
    page.get_by_label("Impact: users").fill("Checkout users, 10 minutes")
    page.get_by_label("Impact: downtime (minutes)").fill("10")
    page.get_by_label("Implementation plan").fill("Fail over, upgrade, fail back.")
    page.get_by_label("Testing plan").fill("Smoke suite.")
    page.get_by_label("Window start (UTC)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Window end (UTC)").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    # Validated as the user goes: the rollback plan is still missing.
    expect(page.locator("#change-check")).to_contain_text("rollback plan")
    page.get_by_label("Rollback plan").fill("Fail back to the old primary.")
    page.get_by_label("Window end (UTC)").press("Tab")
    expect(page.locator("#change-check")).to_contain_text("Everything needed for submission is there.")
    page.get_by_role("button", name="Save and submit").click()
    expect(page.get_by_test_id("change-state")).to_have_text("Submitted")
    reference = ChangeRequest.objects.get().reference

    for username in ("cab1", "cab2"):
        page.context.clear_cookies()
        login(page, username)
        page.goto(live_server.url + "/changes/cab/")
        row = page.locator(f"#agenda-{reference}")
        if username == "cab2":
            # A refusal (409) swaps in too: the row says why and keeps the buttons.
            row.get_by_role("button", name="Reject").click()
            expect(page.locator(f"#agenda-{reference}")).to_contain_text("A rejection needs a comment saying why.")
            row = page.locator(f"#agenda-{reference}")
        row.get_by_role("button", name="Approve").click()
        expect(page.locator(f"#agenda-{reference}")).to_contain_text("You approved.")
    expect(page.locator(f"#agenda-{reference}").get_by_test_id("state")).to_have_text("Approved")

    page.goto(f"{live_server.url}/changes/calendar/?view=month&date={start.date().isoformat()}")
    expect(page.locator("#calendar")).to_contain_text(reference)
    page.get_by_role("link", name="Week").click()
    expect(page).to_have_url(re.compile(r"view=week"))
    expect(page.locator("#calendar").get_by_role("link", name=re.compile(reference))).to_be_visible()
    # The refused reject answered 409 on purpose; Chromium logs any 4xx resource.
    assert [e for e in console_errors if "status of 409" not in e] == []
