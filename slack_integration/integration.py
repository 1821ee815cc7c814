"""Slack on the integrations settings page (delivery_portal.integrations), with a test
message to the tester's team channel."""

from django.conf import settings
from django.urls import reverse

from delivery_portal import integrations, outbound

from . import blocks
from .delivery import KEY
from .notify import absolute


def send_test(user) -> str:
    """Post a test Block Kit message to the Slack webhook of the user's team (the first of
    their teams that has one), now, through the outbound guard; raises on failure."""
    team = user.teams.exclude(slack_webhook_url="").order_by("name").first()
    if team is None:
        raise ValueError("None of your teams has a Slack webhook: set one on the team's page.")
    message = blocks.test_message(team=team.name, by=user.username, url=absolute(reverse("sla:team", args=[team.slug])))
    try:
        response = outbound.post(team.slack_webhook_url, json=message, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
        if response.status_code >= 300:
            raise ValueError(f"HTTP {response.status_code} from Slack: {response.text[:200]}")
    except Exception as exc:
        integrations.record_failure(KEY, str(exc))
        raise
    integrations.record_success(KEY)
    return f"A test message went to the Slack channel of {team.name}."


integrations.register(integrations.Integration(
    key=KEY,
    name="Slack",
    configured=lambda: bool(settings.SLACK_SIGNING_SECRET),
    setup="Set SLACK_SIGNING_SECRET (and SLACK_BOT_TOKEN for reject comments), and each team's Slack webhook; "
          "docs/integrations.md has the steps.",
    send_test=send_test,
))
