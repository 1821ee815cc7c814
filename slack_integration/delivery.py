"""Sending: a queued team message to its incoming webhook, and answers to a command's or a
button's `response_url`. Every POST goes through delivery_portal.outbound (no internal
addresses at send time) and its result is recorded on the integrations page."""

from __future__ import annotations

import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from delivery_portal import integrations, outbound

from . import domain
from .models import SlackDelivery

log = logging.getLogger(__name__)
KEY = "slack"
# How long a worker may hold a message before another may take it over (it died mid-send).
LEASE = timedelta(minutes=2)


def _claim(delivery_id: int, now) -> bool:
    """PENDING (or SENDING whose lease ran out) -> SENDING, atomically: one worker wins."""
    claimable = Q(state=SlackDelivery.State.PENDING) | Q(state=SlackDelivery.State.SENDING, claimed_until__lt=now)
    return bool(SlackDelivery.objects.filter(claimable, pk=delivery_id)
                .update(state=SlackDelivery.State.SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1))


def deliver(delivery_id: int, *, now=None) -> int | None:
    """Try to send one message. Returns seconds after which to try again, or None (sent,
    given up, gone, or already done by someone else)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        held = SlackDelivery.objects.filter(pk=delivery_id, state=SlackDelivery.State.SENDING).values_list("claimed_until", flat=True).first()
        # Another worker holds it: look again once its lease is over (it may have died).
        return max(int((held - now).total_seconds()) + 1, 1) if held else None
    delivery = SlackDelivery.objects.select_related("team").get(pk=delivery_id)
    url = delivery.team.slack_webhook_url if delivery.team else ""
    status, retry_after, error = None, None, ""
    if not url:
        error = "The team has no Slack webhook any more."
        status = 404
    else:
        try:
            response = outbound.post(url, json=delivery.message, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
            status, retry_after = response.status_code, response.headers.get("Retry-After")
            if status >= 300:
                error = f"HTTP {status} from Slack: {response.text[:200]}"
        except outbound.OutboundRefused as exc:
            status, error = 403, str(exc)  # refused by our own guard: retrying cannot help
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
    verdict = domain.verdict(status=status, attempts=delivery.attempts, retry_after=retry_after)
    _finish(delivery, verdict, status=status, error=error)
    return verdict.retry_in


def _finish(delivery: SlackDelivery, verdict: domain.Verdict, *, status, error: str) -> None:
    if verdict.delivered:
        state, delivered_at = SlackDelivery.State.DELIVERED, timezone.now()
        integrations.record_success(KEY)
    else:
        state = SlackDelivery.State.PENDING if verdict.retry_in else SlackDelivery.State.FAILED
        delivered_at = None
        integrations.record_failure(KEY, error)
        if state == SlackDelivery.State.FAILED:
            log.error("Slack message %s given up after %s attempts: %s", delivery.pk, delivery.attempts, error)
    SlackDelivery.objects.filter(pk=delivery.pk).update(
        state=state, delivered_at=delivered_at, claimed_until=None, last_status=status, last_error=error[:2000],
    )


def respond(response_url: str, message: dict) -> None:
    """Answer a slash command or a button later, through its `response_url` (Slack keeps one
    valid for 30 minutes). Raises on failure so that Celery retries."""
    response = outbound.post(response_url, json=message, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    if response.status_code >= 300:
        integrations.record_failure(KEY, f"HTTP {response.status_code} from the response URL: {response.text[:200]}")
        response.raise_for_status()
    integrations.record_success(KEY)
