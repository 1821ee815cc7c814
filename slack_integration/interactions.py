"""The CAB's buttons on a "change waiting for approval" message, through the same change
services as the agenda (quorum, no self-approval, a comment to reject).

Approve is one click. Reject needs a comment, and a button cannot carry one: with a bot
token (SLACK_BOT_TOKEN) the click opens a dialog (views.open) whose submission rejects;
without one the person is told, privately, to reject on the portal with a comment.
Answers go to the message's `response_url` from Celery (Slack wants the click acknowledged
within three seconds, and the answer is not lost if Slack is slow).
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from accounts.services import user_by_slack_id
from changes.services.decisions import change_approve, change_reject
from changes.models import ChangeRequest, ChangeState, Decision
from delivery_portal import integrations
from delivery_portal.errors import ProcessError
from delivery_portal.formposts import process_error_text
from delivery_portal.outbox import enqueue

from . import blocks
from .commands import unlinked_answer
from .domain import escape, link
from .notify import absolute

log = logging.getLogger(__name__)
REJECT_VIEW = "cab_reject"
COMMENT_BLOCK, COMMENT_INPUT = "comment", "comment_input"


def _answer(response_url: str, message: dict) -> None:
    if response_url:
        enqueue("slack_integration.tasks.respond", response_url=response_url, message={**message, "replace_original": False})


def _change_url(change) -> str:
    return absolute(reverse("changes:detail", args=[change.reference]))


def _refusal(exc, *, mrkdwn: bool = True) -> str:
    if isinstance(exc, ProcessError):
        text = process_error_text(exc)
    elif isinstance(exc, ValidationError):
        text = " ".join(exc.messages)
    else:
        text = str(exc)
    return escape(text) if mrkdwn else text


def block_actions(payload: dict) -> dict | None:
    """A button click. Returns nothing for the HTTP answer (replies go to response_url)."""
    action = (payload.get("actions") or [{}])[0]
    action_id, reference = action.get("action_id"), str(action.get("value") or "")
    response_url = payload.get("response_url") or ""
    if action_id not in (blocks.APPROVE, blocks.REJECT):
        return None  # the "Open in the portal" link button: Slack still tells us of the click
    slack_user_id = str((payload.get("user") or {}).get("id") or "")
    user = user_by_slack_id(slack_user_id)
    if user is None:
        _answer(response_url, unlinked_answer(slack_user_id))
        return None
    change = ChangeRequest.objects.filter(reference=reference).first()
    if change is None:
        _answer(response_url, blocks.reply(f"There is no change {escape(reference)}.", in_channel=False))
        return None
    if action_id == blocks.APPROVE:
        _approve(change, user, response_url)
    else:
        _start_reject(change, user, payload.get("trigger_id") or "", response_url)
    return None


def _approve(change, user, response_url) -> None:
    try:
        change_approve(change=change, user=user)
    except (PermissionDenied, ProcessError, ValidationError) as exc:
        _answer(response_url, blocks.reply(f"Not approved: {_refusal(exc)}", in_channel=False))
        return
    change.refresh_from_db()
    if change.state == ChangeState.APPROVED:
        outcome = "it is approved and may be scheduled."
    else:
        outcome = f"{change.approvals.filter(decision=Decision.APPROVE).count()} approval(s) so far; it still waits for more."
    _answer(response_url, blocks.reply(
        f":white_check_mark: {escape(user.username)} approved {link(_change_url(change), change.reference)}: {outcome}",
        in_channel=True))


def _start_reject(change, user, trigger_id, response_url) -> None:
    if not settings.SLACK_BOT_TOKEN:
        _answer(response_url, blocks.reply(
            f"Rejecting needs a comment, which a Slack button cannot carry here: reject "
            f"{link(_change_url(change), change.reference + ' on the portal')} with your reason.", in_channel=False))
        return
    view = reject_view(change, response_url=response_url)
    try:
        WebClient(token=settings.SLACK_BOT_TOKEN, base_url=settings.SLACK_API_URL,
                  timeout=int(settings.WEBHOOK_TIMEOUT_SECONDS)).views_open(trigger_id=trigger_id, view=view)
    except SlackClientError as exc:
        integrations.record_failure("slack", f"views.open: {exc}")
        _answer(response_url, blocks.reply(
            f"The rejection dialog could not be opened; reject {link(_change_url(change), change.reference + ' on the portal')}.",
            in_channel=False))
        return
    integrations.record_success("slack")


def reject_view(change, *, response_url: str) -> dict:
    return {
        "type": "modal",
        "callback_id": REJECT_VIEW,
        "private_metadata": json.dumps({"reference": change.reference, "response_url": response_url}),
        "title": {"type": "plain_text", "text": "Reject change"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{change.reference}*: {escape(change.title)}"}},
            {"type": "input", "block_id": COMMENT_BLOCK, "label": {"type": "plain_text", "text": "Why is it rejected?"},
             "element": {"type": "plain_text_input", "action_id": COMMENT_INPUT, "multiline": True}},
        ],
    }


def view_submission(payload: dict) -> dict | None:
    """The rejection dialog submitted: reject with its comment, or show why not in the dialog."""
    view = payload.get("view") or {}
    if view.get("callback_id") != REJECT_VIEW:
        return None
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    values = ((view.get("state") or {}).get("values") or {}).get(COMMENT_BLOCK) or {}
    comment = str((values.get(COMMENT_INPUT) or {}).get("value") or "")
    user = user_by_slack_id(str((payload.get("user") or {}).get("id") or ""))
    change = ChangeRequest.objects.filter(reference=str(meta.get("reference") or "")).first()
    if user is None or change is None:
        why = "Your Slack account is not linked to a portal user." if user is None else "This change no longer exists."
        return {"response_action": "errors", "errors": {COMMENT_BLOCK: why}}
    try:
        change_reject(change=change, user=user, comment=comment)
    except (PermissionDenied, ProcessError, ValidationError) as exc:
        return {"response_action": "errors", "errors": {COMMENT_BLOCK: f"Not rejected: {_refusal(exc, mrkdwn=False)}"}}
    _answer(str(meta.get("response_url") or ""), blocks.reply(
        f":x: {escape(user.username)} rejected {link(_change_url(change), change.reference)}: {escape(comment.strip())}",
        in_channel=True))
    return None
