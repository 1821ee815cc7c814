"""A team's Slack webhook: set with PATCH and on the team form, refused when internal, and
read back in full only by delivery managers."""

import pytest

from sla.models import Team
from sla.tests.factories import TeamFactory

HOOK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


@pytest.fixture
def payments(db):
    return TeamFactory(slug="payments", name="Payments")


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data", "http://127.0.0.1:6379/", "http://10.0.0.5/hook",
                                 "ftp://example.com/hook"])
def test_patch_refuses_internal_or_odd_addresses(api_for, payments, url):
    response = api_for("manager").patch("/api/v1/teams/payments/", {"slack_webhook_url": url}, format="json")
    assert response.status_code == 400 and "slack_webhook_url" in response.json()
    assert Team.objects.get(pk=payments.pk).slack_webhook_url == ""


def test_patch_sets_an_allowed_hook_with_history(api_for, users, payments, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    response = api_for("manager").patch("/api/v1/teams/payments/", {"slack_webhook_url": "http://127.0.0.1:8099/hook"}, format="json")
    assert response.status_code == 200 and response.json()["slack_webhook_url"] == "http://127.0.0.1:8099/hook"
    record = Team.objects.get(pk=payments.pk).history.first()
    assert record.history_change_reason == "edited: slack_webhook_url" and record.history_user == users["manager"]
    assert not hasattr(record, "slack_webhook_url")  # a secret: history says who and when, not what
    assert api_for("oncall").patch("/api/v1/teams/payments/", {"slack_webhook_url": ""}, format="json").status_code == 403


def test_only_managers_read_the_hook_back(api_for, payments):
    Team.objects.filter(pk=payments.pk).update(slack_webhook_url=HOOK)
    assert api_for("manager").get("/api/v1/teams/payments/").json()["slack_webhook_url"] == HOOK
    assert api_for("viewer").get("/api/v1/teams/payments/").json()["slack_webhook_url"] == "https://hooks.slack.com/…"
    listed = api_for("cab1").get("/api/v1/teams/").json()["results"]
    assert HOOK not in str(listed)


def test_the_team_form_sets_and_refuses_hooks(client_for, payments, settings):
    client = client_for("manager")
    form = {"slug": "payments", "name": "Payments", "email": payments.email, "webhook_url": "",
            "edit_version": payments.edit_version}
    refused = client.post("/sla/teams/payments/edit/", {**form, "slack_webhook_url": "http://169.254.169.254/x"})
    assert refused.status_code == 400 and "internal address" in refused.content.decode()
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    saved = client.post("/sla/teams/payments/edit/", {**form, "slack_webhook_url": "http://127.0.0.1:8099/hook"})
    assert saved.status_code == 302
    assert Team.objects.get(pk=payments.pk).slack_webhook_url == "http://127.0.0.1:8099/hook"
    page = client_for("viewer").get("/sla/teams/payments/").content.decode()
    assert "notifications go to the team" in page and "8099" not in page
