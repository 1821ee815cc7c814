"""Tell people and systems about events: in-portal inbox + e-mail, and signed webhooks.

Every delivery happens in Celery after commit (through the outbox), so a slow mail
server or a dead webhook never slows a page down or loses a message.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable

from django.conf import settings

from .models import Notification, WebhookDelivery, WebhookEndpoint
from .outbox import enqueue


def notify(
    *,
    event: str,
    subject: str,
    body: str = "",
    users: Iterable = (),
    emails: Iterable[str] = (),
    url: str = "",
    payload: dict | None = None,
    webhook_urls: Iterable[str] = (),
) -> list[Notification]:
    """Notify `users` (inbox + e-mail), plain `emails`, and every webhook subscribed to `event`.

    `webhook_urls` adds one-off destinations (a team's own hook) besides the configured
    endpoints. Call inside the transaction of the change being announced.
    """
    created = []
    seen_users = set()
    for user in users:
        if user is None or user.pk in seen_users:
            continue
        seen_users.add(user.pk)
        created.append(
            Notification.objects.create(
                recipient=user, email=user.email or "", event=event, subject=subject, body=body, url=url
            )
        )
    for address in {e for e in emails if e}:
        created.append(Notification.objects.create(email=address, event=event, subject=subject, body=body, url=url))
    for notification in created:
        if notification.email:
            enqueue("delivery_portal.tasks.send_notification_email", notification_id=notification.pk)

    body_payload = {"event": event, "subject": subject, "url": url, "data": payload or {}}
    targets = [(endpoint, endpoint.url) for endpoint in WebhookEndpoint.objects.filter(active=True) if endpoint.wants(event)]
    targets += [(None, u) for u in webhook_urls if u]
    for endpoint, target_url in targets:
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, url=target_url, event=event, payload=body_payload)
        enqueue("delivery_portal.tasks.deliver_webhook", delivery_id=delivery.pk)
    return created


def sign(body: bytes, secret: str | None = None) -> str:
    """HMAC-SHA256 signature sent as X-Portal-Signature: sha256=<hex>."""
    key = (secret or settings.WEBHOOK_SECRET).encode()
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def encode(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
