"""A person logs in, visits the six areas, and logs out, in a real Chromium."""

import pytest

pytestmark = pytest.mark.browser

AREAS = [("Releases", "/releases/"), ("Deployments", "/deployments/"), ("Changes", "/changes/"),
         ("Incidents", "/incidents/"), ("SLAs", "/sla/"), ("Insights", "/insights/")]


def test_login_navigate_all_areas_and_logout(page, live_server, users, login, console_errors):
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url  # anonymous visitors land on the login page
    login(page, "manager")
    assert page.get_by_test_id("current-user").inner_text().startswith("manager")
    for label, path in AREAS:
        page.get_by_role("navigation", name="Areas").get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(live_server.url + path)
        assert page.locator("h1").count() == 1
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    page.goto(live_server.url + "/sla/")
    assert "/accounts/login/" in page.url
    assert console_errors == []
