"""The registry of integrations (single sign-on, Slack, pager, GitHub, GitLab...) and their
health, for the settings page that shows delivery managers what is configured and working.

Each integration registers itself once, from its app's `AppConfig.ready()`:

    integrations.register(integrations.Integration(
        key="slack", name="Slack", configured=lambda: bool(settings.SLACK_SIGNING_SECRET),
        setup="Set SLACK_SIGNING_SECRET ...", send_test=send_slack_test))

and reports what happens when it talks to the outside world:

    integrations.record_success("slack")
    integrations.record_failure("slack", "HTTP 404 from hooks.slack.com: no_service")

`record_*` write one row per integration (an UPDATE, or an INSERT the first time), outside
any caller's transaction concerns: they are called from Celery tasks and request handlers
after the outside call, and a failure to record never hides the real result.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils import timezone

log = logging.getLogger(__name__)
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Integration:
    key: str
    name: str
    configured: Callable[[], bool]
    setup: str = ""  # one line: what to set to turn it on (the docs have the steps)
    # send_test(user) -> a sentence saying what was sent where; raises on failure.
    send_test: Callable | None = None


_REGISTRY: dict[str, Integration] = {}


def register(integration: Integration) -> Integration:
    _REGISTRY[integration.key] = integration
    return integration


def registered() -> list[Integration]:
    return sorted(_REGISTRY.values(), key=lambda i: i.name.lower())


def get(key: str) -> Integration | None:
    return _REGISTRY.get(key)


def _health_model():
    from delivery_portal.models import IntegrationHealth

    return IntegrationHealth


def record_success(key: str, *, at=None) -> None:
    _record(key, last_success_at=at or timezone.now())


def record_failure(key: str, error: str, *, at=None) -> None:
    _record(key, last_failure_at=at or timezone.now(), last_error=str(error)[:ERROR_LENGTH])


def _record(key: str, **fields) -> None:
    try:
        _health_model().objects.update_or_create(key=key, defaults=fields)
    except DatabaseError:  # the health row is a convenience; never fail the real work over it
        log.exception("could not record the health of integration %s", key)


def health() -> dict:
    """{key: IntegrationHealth} for every integration that has reported anything (one query)."""
    return {row.key: row for row in _health_model().objects.all()}
