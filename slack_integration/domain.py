"""Rules of the Slack integration, pure Python: reading `/incident ...`, escaping text for
Slack, and what to do with an incoming webhook's answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

SEVERITY = re.compile(r"^SEV-?([1-4])$", re.IGNORECASE)
REFERENCE = re.compile(r"^INC-\d{4}-\d{1,6}$", re.IGNORECASE)
ACTIONS = ("declare", "update", "status", "resolve")

USAGE = (
    "Usage:\n"
    "• `/incident declare SEV-1 <service> <title>`: open an incident\n"
    "• `/incident update INC-2026-0001 <text>`: post a status update\n"
    "• `/incident status INC-2026-0001`: where it stands\n"
    "• `/incident resolve INC-2026-0001`: resolve it (once the response is under way)"
)


class CommandError(ValueError):
    """The command cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class Command:
    action: str
    reference: str = ""
    severity: str = ""
    service: str = ""
    text: str = ""


def parse_command(text: str, *, title_max: int = 200) -> Command:
    """`declare SEV-N <service> <title>`, `update <INC-ref> <text>`, `status <INC-ref>`,
    `resolve <INC-ref>`. Severities as SEV-1, sev1 or SEV1; references in any case."""
    words = (text or "").split()
    if not words or words[0].lower() in ("help", "-h", "--help"):
        raise CommandError(USAGE)
    action = words[0].lower()
    if action not in ACTIONS:
        raise CommandError(f"`{escape(words[0])}` is not an /incident command.\n{USAGE}")
    if action == "declare":
        return _declare(words[1:], text, title_max)
    if len(words) < 2 or not REFERENCE.match(words[1]):
        raise CommandError(f"Name the incident, e.g. `/incident {action} INC-2026-0001{' <text>' if action == 'update' else ''}`.")
    reference = words[1].upper()
    if action == "update":
        body = _rest(text, 2)
        if not body:
            raise CommandError(f"Write the status update after the reference: `/incident update {reference} <text>`.")
        return Command(action, reference=reference, text=body)
    if len(words) > 2:
        raise CommandError(f"`/incident {action}` takes only the reference: `/incident {action} {reference}`.")
    return Command(action, reference=reference)


def _declare(args, text, title_max) -> Command:
    if len(args) < 3:
        raise CommandError("Declare with a severity, a service and a title: `/incident declare SEV-2 checkout Payments failing`.")
    match = SEVERITY.match(args[0])
    if not match:
        raise CommandError(f"`{escape(args[0])}` is not a severity: use SEV-1, SEV-2, SEV-3 or SEV-4.")
    title = _rest(text, 3)
    if len(title) > title_max:
        raise CommandError(f"The title is {len(title)} characters long; keep it to {title_max}.")
    return Command("declare", severity=f"SEV-{match.group(1)}", service=args[1].lower(), text=title)


def _rest(text: str, skip: int) -> str:
    """The text after the first `skip` words, as typed (inner spacing and line breaks kept)."""
    parts = (text or "").strip().split(None, skip)
    return unescape(parts[skip].strip()) if len(parts) > skip else ""


def unescape(text: str) -> str:
    """Slack sends what people typed with &, < and > as entities (its mentions and links
    stay in <...>); the portal stores the characters themselves."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text) -> str:
    """User text inside Slack mrkdwn: &, < and > are control characters there (links,
    mentions such as <!channel>), so they are sent as entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    return f"<{url}|{escape(label).replace('|', '¦')}>"


# --- answers of incoming webhooks -----------------------------------------------------------
# Slack answers 400 invalid_payload, 403 action_prohibited, 404 no_service or
# channel_not_found, 410 channel_is_archived: sending the same message again cannot help.
PERMANENT_STATUSES = {400, 401, 403, 404, 410}
MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class Verdict:
    delivered: bool = False
    retry_in: int | None = None  # seconds; None with delivered False: give up


def verdict(*, status: int | None, attempts: int, retry_after: str | None = None) -> Verdict:
    """After attempt number `attempts`: delivered, try again in n seconds, or give up.
    `status` None is a network error (retried). Backoff 10 s, 20 s, 40 s... at most 10
    minutes; a 429's Retry-After is honoured."""
    if status is not None and 200 <= status < 300:
        return Verdict(delivered=True)
    if (status in PERMANENT_STATUSES) or attempts >= MAX_ATTEMPTS:
        return Verdict()
    delay = min(10 * 2 ** (attempts - 1), 600)
    if status == 429 and retry_after and retry_after.isdigit():
        delay = max(delay, min(int(retry_after), 3600))
    return Verdict(retry_in=delay)
