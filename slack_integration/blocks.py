"""Block Kit messages for the teams' channels. Pure: plain values in, the JSON Slack takes
out (`{"text": fallback, "blocks": [...]}`); user text is escaped for mrkdwn here."""

from __future__ import annotations

from datetime import datetime

from .domain import escape, link

APPROVE, REJECT, OPEN = "cab_approve", "cab_reject", "open_portal"
HEADER_MAX, SECTION_MAX, FIELD_MAX = 150, 3000, 2000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(text, HEADER_MAX), "emoji": True}}


def _section(text: str, fields: list[tuple[str, str]] = ()) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SECTION_MAX)}}
    if fields:
        block["fields"] = [{"type": "mrkdwn", "text": _cut(f"*{label}*\n{value}", FIELD_MAX)} for label, value in fields[:10]]
    return block


def _open_button(url: str, label: str = "Open in the portal") -> dict:
    return {"type": "button", "action_id": OPEN, "text": {"type": "plain_text", "text": label}, "url": url}


def _actions(*elements) -> dict:
    return {"type": "actions", "elements": list(elements)}


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "—"


def _message(fallback: str, *blocks) -> dict:
    return {"text": _cut(fallback, SECTION_MAX), "blocks": list(blocks)}


def incident(*, kind: str, reference: str, severity: str, title: str, services: list[str], state: str,
             commander: str | None, url: str, note: str = "") -> dict:
    """`kind`: "declared" or "resolved"."""
    icon = ":rotating_light:" if kind == "declared" else ":white_check_mark:"
    headline = f"{reference} {kind} ({severity}): {title}"
    return _message(
        f"{icon} {headline}",
        _header(f"{severity} {kind}: {reference}"),
        _section(f"{icon} *{escape(title)}*" + (f"\n{escape(note)}" if note else ""), [
            ("Severity", severity), ("State", state), ("Services", escape(", ".join(services)) or "—"),
            ("Commander", escape(commander) if commander else "not assigned yet"),
        ]),
        _actions(_open_button(url, f"Open {reference}")),
    )


def status_update_overdue(*, reference: str, severity: str, title: str, due_at: datetime, commander: str | None,
                          url: str) -> dict:
    return _message(
        f":hourglass: {reference}: status update overdue since {_when(due_at)}",
        _header(f"Status update overdue: {reference}"),
        _section(f":hourglass: *{escape(title)}* ({severity}) has had no status update since it was due at {_when(due_at)}. "
                 f"Post one with `/incident update {reference} <text>`.",
                 [("Commander", escape(commander) if commander else "not assigned")]),
        _actions(_open_button(url, f"Open {reference}")),
    )


def freeze(*, imposed: bool, service: str, reason: str, by: str | None, url: str) -> dict:
    verb = "imposed on" if imposed else "lifted on"
    icon = ":ice_cube:" if imposed else ":sunny:"
    who = escape(by) if by else "the error-budget recompute"
    detail = ("Only critical deployments go ahead until it is lifted." if imposed else "Deployments go ahead again.")
    return _message(
        f"{icon} Deploy freeze {verb} {service}: {reason}",
        _header(f"Deploy freeze {verb} {service}"),
        _section(f"{icon} {detail}\n*Reason:* {escape(reason) or '—'}\n*By:* {who}"),
        _actions(_open_button(url, f"Open {service}")),
    )


def change_awaiting(*, reference: str, title: str, change_type: str, requester: str, window_start: datetime | None,
                    window_end: datetime | None, approvers: str, quorum: int, url: str) -> dict:
    """With Approve and Reject buttons (the portal's decision rules apply to each click)."""
    return _message(
        f":clipboard: {reference} waits for {approvers}: {title}",
        _header(f"Change waiting for approval: {reference}"),
        _section(f":clipboard: *{escape(title)}*\nNeeds {quorum} approval{'s' if quorum != 1 else ''} from {approvers}.", [
            ("Type", change_type), ("Requested by", escape(requester)),
            ("Window", f"{_when(window_start)} – {_when(window_end)}"),
        ]),
        _actions(
            {"type": "button", "action_id": APPROVE, "style": "primary", "value": reference,
             "text": {"type": "plain_text", "text": "Approve"}},
            {"type": "button", "action_id": REJECT, "style": "danger", "value": reference,
             "text": {"type": "plain_text", "text": "Reject…"}},
            _open_button(url, f"Open {reference}"),
        ),
    )


def deployment_halted(*, service: str, version: str, environment: str, state: str, reason: str, url: str) -> dict:
    return _message(
        f":octagonal_sign: Deployment of {service} {version} to {environment} {state}: {reason}",
        _header(f"Deployment halted: {service} {version}"),
        _section(f":octagonal_sign: The deployment to *{escape(environment)}* is *{escape(state)}*.\n*Reason:* {escape(reason) or '—'}",
                 [("Service", escape(service)), ("Version", escape(version))]),
        _actions(_open_button(url, "Open the deployment")),
    )


def test_message(*, team: str, by: str, url: str) -> dict:
    return _message(
        f"Test message from the Delivery Portal for {team}",
        _section(f":wave: Test message from the Delivery Portal, sent by {escape(by)}: "
                 f"{link(url, team)}'s notifications arrive in this channel."),
    )


def reply(text: str, *, in_channel: bool) -> dict:
    """An answer to a slash command or a button (mrkdwn). `in_channel`: everyone in the
    channel sees it; otherwise only the person who typed or clicked."""
    return {"response_type": "in_channel" if in_channel else "ephemeral", "text": _cut(text, SECTION_MAX)}
