"""`/incident ...` signed as Slack signs it: the same services, roles and states as the pages."""

import time

import pytest
from django.utils import timezone

from incidents.models import Incident, TimelineEntry
from incidents.services.lifecycle import incident_open, incident_respond, incident_triage
from incidents.services.timeline import timeline_append


@pytest.fixture
def incident(linked, checkout):
    return incident_open(title="Card payments fail", severity="SEV-2", services=[checkout],
                                           impact_started_at=timezone.now(),
                                           by=linked["oncall"])


def test_an_unlinked_slack_user_is_told_how_to_link_and_nothing_happens(post_command, checkout, users):
    answer = post_command("declare SEV-1 checkout Everything is down", user_id="U0STRANGER").json()
    assert answer["response_type"] == "ephemeral"
    assert "<https://portal.example.com/accounts/profile/|your profile in the portal>" in answer["text"]
    assert "U0STRANGER" in answer["text"]
    assert not Incident.objects.exists()


def test_declare_opens_the_incident_as_the_linked_user_and_answers_in_the_channel(post_command, linked, checkout):
    answer = post_command("declare sev1 Checkout  Card payments   fail <!channel>").json()
    incident = Incident.objects.get()
    assert (incident.severity, incident.title, incident.created_by) == ("SEV-1", "Card payments   fail <!channel>", linked["oncall"])
    assert list(incident.services.all()) == [checkout]
    assert incident.history.earliest().history_user == linked["oncall"]
    assert answer["response_type"] == "in_channel"
    assert f"<https://portal.example.com/incidents/{incident.reference}/|{incident.reference}> declared (SEV-1)" in answer["text"]
    assert "&lt;!channel&gt;" in answer["text"] and "<!channel>" not in answer["text"]  # no channel-wide ping


@pytest.mark.parametrize("who,text,words", [
    ("viewer", "declare SEV-1 checkout Down", "needs the role on_call"),
    ("cab1", "declare SEV-1 checkout Down", "needs the role on_call"),
    ("oncall", "declare SEV-5 checkout Down", "not a severity"),
    ("oncall", "declare SEV-1 nowhere Down", "There is no service `nowhere`. Services: checkout"),
    ("oncall", "declare SEV-1 checkout", "Declare with a severity, a service and a title"),
    ("oncall", "declare SEV-1 checkout " + "x" * 201, "keep it to 200"),
    ("oncall", "panic now", "is not an /incident command"),
    ("oncall", "", "Usage:"),
])
def test_refusals_are_private_and_change_nothing(post_command, linked, checkout, who, text, words):
    answer = post_command(text, user_id=f"U0{who.upper()}").json()
    assert answer["response_type"] == "ephemeral" and words in answer["text"]
    assert not Incident.objects.exists()


def test_update_posts_a_status_update_on_the_timeline(post_command, incident, linked):
    answer = post_command(f"update {incident.reference.lower()} Rolled back to v2.4.3; error rate falling").json()
    entry = TimelineEntry.objects.filter(incident=incident, kind="status_update").get()
    assert entry.text == "Rolled back to v2.4.3; error rate falling" and entry.author == linked["oncall"]
    assert answer["response_type"] == "in_channel" and "Rolled back to v2.4.3" in answer["text"]
    refused = post_command(f"update {incident.reference} Looks fine to me", user_id="U0VIEWER").json()
    assert refused["response_type"] == "ephemeral" and TimelineEntry.objects.filter(kind="status_update").count() == 1


def test_status_tells_anyone_linked_where_it_stands(post_command, incident, linked):
    incident_triage(incident=incident, by=linked["oncall"])
    timeline_append(incident=incident, kind="status_update", text="Investigating the PSP", by=linked["oncall"])
    answer = post_command(f"status {incident.reference}", user_id="U0VIEWER").json()
    assert answer["response_type"] == "in_channel"
    text = answer["text"]
    assert f"*<https://portal.example.com/incidents/{incident.reference}/|{incident.reference}>* (SEV-2, triage): Card payments fail" in text
    assert "Commander: oncall" in text and "Next status update due" in text and "Investigating the PSP" in text
    assert "There is no incident INC-2020-0999" in post_command("status INC-2020-0999").json()["text"]


def test_resolve_follows_the_state_table(post_command, incident, linked):
    early = post_command(f"resolve {incident.reference}").json()
    assert early["response_type"] == "ephemeral"
    assert "An incident in detect can only move to triage, not resolve." in early["text"]
    assert "Its next step is triage" in early["text"] and f"/incident resolve {incident.reference}" in early["text"]
    incident.refresh_from_db()
    assert incident.state == "detect"
    incident_triage(incident=incident, by=linked["oncall"])
    incident_respond(incident=incident, by=linked["oncall"])
    assert post_command(f"resolve {incident.reference}", user_id="U0CAB1").json()["response_type"] == "ephemeral"
    answer = post_command(f"resolve {incident.reference}").json()
    incident.refresh_from_db()
    assert incident.state == "resolve" and incident.resolved_at is not None
    assert answer["response_type"] == "in_channel" and "resolved by oncall" in answer["text"]
    assert incident.history.latest().history_user == linked["oncall"]


def test_requests_without_a_good_signature_are_403_and_do_nothing(post_command, linked, checkout, client, slack):
    assert post_command("declare SEV-1 checkout Down", secret="not-the-secret").status_code == 403
    assert post_command("declare SEV-1 checkout Down", timestamp=int(time.time()) - 301).status_code == 403  # replayed
    assert post_command("declare SEV-1 checkout Down", timestamp="soon").status_code == 403
    unsigned = client.post("/integrations/slack/commands/", {"text": "declare SEV-1 checkout Down", "user_id": "U0ONCALL"})
    assert unsigned.status_code == 403
    slack.SLACK_SIGNING_SECRET = ""  # Slack not configured: nothing is accepted
    assert post_command("declare SEV-1 checkout Down").status_code == 403
    assert not Incident.objects.exists()
    assert client.get("/integrations/slack/commands/").status_code == 405


def test_a_request_signed_within_the_window_is_taken(post_command, linked, checkout):
    assert post_command("status INC-2020-0001", timestamp=int(time.time()) - 240).status_code == 200
