"""The CAB's buttons, signed as Slack signs them: the same change services as the agenda."""

import json

import pytest

from changes.models import Approval
from changes.services.decisions import change_submit
from changes.tests.factories import ChangeRequestFactory
from delivery_portal import outbox


@pytest.fixture
def change(linked, checkout):
    change = ChangeRequestFactory(requester=linked["oncall"], services=[checkout])
    return change_submit(change=change, user=linked["oncall"])


def click(change, action_id, *, user_id, response_url):
    """A block_actions payload in the shape Slack documents for a button in a message."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": "someone", "name": "someone", "team_id": "T0PORTAL"},
        "api_app_id": "A0PORTAL", "token": "legacy-verification-token-unused",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0CHANGES", "is_ephemeral": False},
        "trigger_id": "2222.3333.fedcba", "team": {"id": "T0PORTAL", "domain": "portal-corp"},
        "channel": {"id": "C0CHANGES", "name": "changes"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": f"{change.reference} waits for the CAB"},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b1", "type": "button", "value": change.reference,
                     "text": {"type": "plain_text", "text": "Approve"}, "action_ts": "1700000001.000200"}],
    }


def answers(receiver):
    outbox.run_pending("slack_integration.tasks.respond")
    return receiver.to("/actions/")


@pytest.fixture
def press(post_interaction, receiver, change):
    def do(action_id, username):
        response = post_interaction(click(change, action_id, user_id=f"U0{username.upper()}", response_url=f"{receiver.url}/actions/T0/1/x"))
        assert response.status_code == 200 and response.content == b""  # acknowledged at once
        return answers(receiver)[-1]

    return do


def test_two_cab_approvals_approve_the_change(press, change, linked):
    first = press("cab_approve", "cab1")
    assert first["response_type"] == "in_channel" and first["replace_original"] is False
    assert "cab1 approved" in first["text"] and "1 approval(s) so far" in first["text"]
    change.refresh_from_db()
    assert change.state == "submitted"
    second = press("cab_approve", "cab2")
    change.refresh_from_db()
    assert change.state == "approved" and "it is approved" in second["text"]
    assert list(Approval.objects.filter(change=change).values_list("by__username", "decision")) == [
        ("cab1", "approve"), ("cab2", "approve")]


@pytest.mark.parametrize("who,words", [
    ("oncall", "Nobody approves or rejects their own change."),
    ("viewer", "Your role does not decide on changes."),
])
def test_refused_clicks_are_answered_privately_and_record_nothing(press, change, who, words):
    answer = press("cab_approve", who)
    assert answer["response_type"] == "ephemeral" and answer["text"].startswith("Not approved:") and words in answer["text"]
    assert not Approval.objects.exists()


def test_a_second_click_by_the_same_member_counts_once(press, change):
    press("cab_approve", "cab1")
    again = press("cab_approve", "cab1")
    assert again["response_type"] == "ephemeral" and Approval.objects.count() == 1


def test_an_unlinked_member_is_told_how_to_link(post_interaction, receiver, change):
    post_interaction(click(change, "cab_approve", user_id="U0NOBODY", response_url=f"{receiver.url}/actions/T0/1/x"))
    [answer] = answers(receiver)
    assert answer["response_type"] == "ephemeral" and "https://portal.example.com/accounts/profile/" in answer["text"]
    assert not Approval.objects.exists()


def test_reject_without_a_bot_token_sends_the_member_to_the_portal(press, change):
    answer = press("cab_reject", "cab1")
    assert answer["response_type"] == "ephemeral"
    assert f"<https://portal.example.com/changes/{change.reference}/|{change.reference} on the portal>" in answer["text"]
    assert not Approval.objects.exists()


def test_reject_with_a_bot_token_opens_a_dialog_and_needs_a_comment(post_interaction, receiver, change, linked, settings):
    settings.SLACK_BOT_TOKEN = "xoxb-test-token"
    settings.SLACK_API_URL = f"{receiver.url}/api/"
    response_url = f"{receiver.url}/actions/T0/1/x"
    assert post_interaction(click(change, "cab_reject", user_id="U0CAB1", response_url=response_url)).status_code == 200
    path, headers, body = receiver.posts[-1]
    assert path == "/api/views.open" and headers["Authorization"] == "Bearer xoxb-test-token"
    opened = json.loads(body)
    assert opened["trigger_id"] == "2222.3333.fedcba"
    view = opened["view"]
    assert view["callback_id"] == "cab_reject" and json.loads(view["private_metadata"])["reference"] == change.reference

    def submit(comment):
        view_state = {**view, "id": "V0DIALOG", "state": {"values": {"comment": {"comment_input": {"type": "plain_text_input", "value": comment}}}}}
        payload = {"type": "view_submission", "team": {"id": "T0PORTAL", "domain": "portal-corp"},
                   "user": {"id": "U0CAB1", "username": "cab1", "team_id": "T0PORTAL"}, "api_app_id": "A0PORTAL",
                   "token": "legacy-verification-token-unused", "trigger_id": "3333.4444.abc", "view": view_state}
        return post_interaction(payload)

    empty = submit("   ")
    assert empty.status_code == 200 and empty.json()["response_action"] == "errors"
    assert "comment" in empty.json()["errors"]["comment"].lower() and not Approval.objects.exists()
    done = submit("The rollback plan does not cover the schema change.")
    assert done.status_code == 200 and done.content == b""  # the dialog closes
    change.refresh_from_db()
    assert change.state == "rejected"
    approval = Approval.objects.get()
    assert (approval.by, approval.decision, approval.comment) == (linked["cab1"], "reject", "The rollback plan does not cover the schema change.")
    answer = answers(receiver)[-1]
    assert answer["response_type"] == "in_channel" and "cab1 rejected" in answer["text"] and "schema change" in answer["text"]


def test_the_portal_link_button_is_just_acknowledged(post_interaction, receiver, change):
    payload = click(change, "open_portal", user_id="U0CAB1", response_url=f"{receiver.url}/actions/T0/1/x")
    assert post_interaction(payload).status_code == 200
    assert answers(receiver) == [] and not Approval.objects.exists()


def test_unsigned_or_malformed_interactions_are_refused(client, slack, post_interaction, change):
    assert client.post("/integrations/slack/interactions/", {"payload": "{}"}).status_code == 403
    from urllib.parse import urlencode

    from .conftest import sign

    body = urlencode({"payload": "not json"}).encode()
    bad = client.post("/integrations/slack/interactions/", body, content_type="application/x-www-form-urlencoded", **sign(body))
    assert bad.status_code == 400
    assert post_interaction({"type": "shortcut"}).status_code == 200
