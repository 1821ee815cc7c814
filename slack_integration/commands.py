"""`/incident declare|update|status|resolve`: the same incident services, roles and state
table as the pages, acting as the portal user linked to the Slack member ID.

Successes answer in the channel (everyone there sees what happened); refusals answer only
the person who typed (ephemeral), and nothing has changed.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_by_slack_id
from delivery_portal import roles
from delivery_portal.errors import ProcessError
from delivery_portal.formposts import process_error_text
from incidents import domain as incident_domain
from incidents import selectors as incident_selectors
from incidents.services.lifecycle import incident_open, incident_resolve
from incidents.services.timeline import timeline_append
from incidents.models import Incident, TimelineKind
from sla.models import Service

from . import blocks, domain
from .domain import escape, link
from .notify import absolute

# Who may do what, as on the incident pages (incidents' views and API: on-call staff, and
# delivery managers who hold every role); resolving follows the state table's own roles.
WRITE_ROLES = (roles.ON_CALL,)
RESOLVE_ROLES = incident_domain.TRANSITIONS[(incident_domain.RESPOND, incident_domain.RESOLVE)]


class Refused(Exception):
    """Nothing happened; the message says why (shown only to the person who typed)."""


def unlinked_answer(slack_user_id: str) -> dict:
    url = absolute(reverse("accounts:profile"))
    return blocks.reply(
        f"Your Slack account is not linked to a Delivery Portal user, so nothing was done. "
        f"Open {link(url, 'your profile in the portal')} and enter your Slack member ID `{escape(slack_user_id)}`, "
        "then try again.", in_channel=False)


def run(*, text: str, slack_user_id: str) -> dict:
    """The answer to one `/incident ...` (Slack's response JSON)."""
    user = user_by_slack_id(slack_user_id)
    if user is None:
        return unlinked_answer(slack_user_id)
    try:
        command = domain.parse_command(text, title_max=Incident._meta.get_field("title").max_length)
        handler = HANDLERS[command.action]
        return blocks.reply(handler(command, user), in_channel=True)
    except domain.CommandError as exc:
        return blocks.reply(str(exc), in_channel=False)
    except Refused as exc:
        return blocks.reply(str(exc), in_channel=False)
    except PermissionDenied as exc:
        return blocks.reply(f"Not done: {exc}", in_channel=False)
    except ProcessError as exc:
        return blocks.reply(f"Not done: {escape(process_error_text(exc))}", in_channel=False)
    except ValidationError as exc:
        return blocks.reply("Not done: " + escape(" ".join(exc.messages)), in_channel=False)


def _incident(reference: str) -> Incident:
    incident = Incident.objects.select_related("commander").filter(reference__iexact=reference).first()
    if incident is None:
        raise Refused(f"There is no incident {escape(reference)}.")
    return incident


def _url(incident) -> str:
    return absolute(reverse("incidents:detail", args=[incident.reference]))


def _declare(command, user) -> str:
    roles.require_role(user, *WRITE_ROLES)
    service = Service.objects.filter(slug__iexact=command.service).first()
    if service is None:
        known = ", ".join(Service.objects.order_by("slug").values_list("slug", flat=True)[:25])
        raise Refused(f"There is no service `{escape(command.service)}`. Services: {escape(known) or 'none yet'}.")
    now = timezone.now()
    incident = incident_open(
        title=command.text, severity=command.severity, services=[service], impact_started_at=now, by=user, at=now,
    )
    return (f":rotating_light: {link(_url(incident), incident.reference)} declared ({incident.severity}) on "
            f"{escape(service.name)} by {escape(user.username)}: *{escape(incident.title)}*")


def _update(command, user) -> str:
    roles.require_role(user, *WRITE_ROLES)
    incident = _incident(command.reference)
    timeline_append(incident=incident, kind=TimelineKind.STATUS_UPDATE, text=command.text, by=user)
    return f":memo: Status update on {link(_url(incident), incident.reference)} by {escape(user.username)}: {escape(command.text)}"


def _status(command, user) -> str:
    incident = _incident(command.reference)
    clocks = incident_selectors.incident_clocks(incident, at=timezone.now())
    services = ", ".join(incident.services.values_list("name", flat=True))
    lines = [
        f"*{link(_url(incident), incident.reference)}* ({incident.severity}, {incident.get_state_display().lower()}): "
        f"{escape(incident.title)}",
        f"Services: {escape(services) or '—'} · Commander: {escape(incident.commander.username) if incident.commander_id else 'not assigned'}",
    ]
    if clocks.next_update_due_at:
        overdue = " (overdue)" if clocks.update_overdue else ""
        lines.append(f"Next status update due {clocks.next_update_due_at:%Y-%m-%d %H:%M} UTC{overdue}")
    last = incident.timeline.filter(kind=TimelineKind.STATUS_UPDATE).order_by("-at", "-pk").first()
    if last:
        lines.append(f"Last update ({last.at:%H:%M} UTC): {escape(last.text[:300])}")
    return "\n".join(lines)


def _resolve(command, user) -> str:
    roles.require_role(user, *RESOLVE_ROLES)
    incident = _incident(command.reference)
    try:
        incident = incident_resolve(incident=incident, by=user)
    except ProcessError as exc:
        # The state table does not skip triage (a commander) or the response: say what is next.
        hint = ""
        if incident.state in incident_domain.ACTIVE_STATES:
            following = " or ".join(incident_domain.allowed_targets(incident.state))
            hint = (f" Its next step is {following}: take it on {link(_url(incident), 'its page')}, "
                    f"then `/incident resolve {incident.reference}` again.")
        raise Refused(f"Not done: {escape(process_error_text(exc))}{hint}") from exc
    return (f":white_check_mark: {link(_url(incident), incident.reference)} resolved by {escape(user.username)}: "
            f"{escape(incident.title)}")


HANDLERS = {"declare": _declare, "update": _update, "status": _status, "resolve": _resolve}
