"""Linking Slack in Chromium: the command tells an unlinked person where to go, they link
their member ID on the profile page, and the same command then works as them."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident

pytestmark = pytest.mark.browser


def test_an_unlinked_person_links_slack_and_the_command_then_works(page, live_server, users, login, post_command, checkout,
                                                                   slack, console_errors):
    slack.SITE_URL = live_server.url
    refused = post_command("declare SEV-2 checkout Search is slow", user_id="U0OLIVE7").json()
    assert refused["response_type"] == "ephemeral" and not Incident.objects.exists()
    profile_url = re.search(r"<(http[^|>]+)\|your profile in the portal>", refused["text"]).group(1)
    assert profile_url == f"{live_server.url}/accounts/profile/"

    login(page, "oncall")
    page.get_by_test_id("profile-link").click()
    page.wait_for_url(profile_url)
    expect(page.get_by_test_id("slack-link")).to_have_text("not linked")
    page.get_by_label("Slack member ID").fill("u0olive7")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("slack-link")).to_have_text("linked as U0OLIVE7")
    expect(page.get_by_role("alert").or_(page.locator(".messages"))).to_contain_text("Profile saved.")

    # Something that is not a member ID is a form error (status 400), and the link stays.
    page.get_by_label("Slack member ID").fill("not an id")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist")).to_contain_text("A Slack member ID looks like U012AB3CD")
    expect(page.get_by_test_id("slack-link")).to_have_text("linked as U0OLIVE7")

    answer = post_command("declare SEV-2 checkout Search is slow", user_id="U0OLIVE7").json()
    assert answer["response_type"] == "in_channel"
    assert Incident.objects.get().created_by == users["oncall"]
    # No CSP violation or script error; the one error is the 400 of the refused form.
    assert [e for e in console_errors if "status of 400" not in e] == []
