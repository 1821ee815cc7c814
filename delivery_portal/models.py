"""Shared plumbing: the task outbox, notifications, outbound webhooks, worker heartbeats."""

from django.conf import settings
from django.db import models


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change that needs it.

    The row commits with the data or not at all; a relay publishes whatever the broker
    could not take at the time, so nothing enqueued is lost while the broker is down.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    countdown_seconds = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["published_at", "created_at"], name="outbox_pending_idx")]

    def __str__(self):
        return f"{self.task_name}({self.kwargs})"


class Notification(models.Model):
    """One message to one person (in the portal's inbox, and by e-mail if they have one)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    email = models.EmailField(blank=True, help_text="Used when there is no recipient user (a team list).")
    event = models.CharField(max_length=100)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self):
        return self.subject


class WebhookEndpoint(models.Model):
    """An outside system told about portal events by signed JSON POSTs."""

    name = models.CharField(max_length=100)
    url = models.URLField()
    secret = models.CharField(max_length=200, blank=True, help_text="HMAC key; the portal's WEBHOOK_SECRET if blank.")
    events = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated event names, or blank for every event."
    )
    active = models.BooleanField(default=True)

    def __str__(self):
        return self.name

    def wants(self, event: str) -> bool:
        wanted = {e.strip() for e in self.events.split(",") if e.strip()}
        return not wanted or event in wanted


class WebhookDelivery(models.Model):
    """One POST of one event to one URL, with its retries."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL)
    url = models.URLField()
    event = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.event} -> {self.url} ({self.state})"


class WorkerHeartbeat(models.Model):
    """A round trip through the broker and a worker, asked for from the system page."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at"]


class ReferenceCounter(models.Model):
    """The last number handed out per prefix and year (INC-2026-0042, CHG-2026-0007).

    Row-locked while allocating (delivery_portal.references), so two requests at once
    never get the same reference.
    """

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"


class IntegrationHealth(models.Model):
    """The last success and the last failure of one integration (Slack, pager, GitHub...),
    shown on the integrations settings page. One row per integration key, updated in place
    (delivery_portal.integrations.record_success / record_failure)."""

    key = models.CharField(max_length=50, unique=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.key
