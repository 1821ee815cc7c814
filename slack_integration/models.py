"""One Slack message to one team's incoming webhook, with its attempts."""

from django.db import models


class SlackDelivery(models.Model):
    """A Block Kit message for a team's channel, sent by Celery (slack_integration.delivery).

    `state` is the guard that makes it go out once: a worker claims the row (PENDING ->
    SENDING, with a lease) before it posts, so a second copy of the task (a late ack, the
    outbox relay racing a publish) finds it claimed or DELIVERED and does not post again.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        DELIVERED = "delivered"
        FAILED = "failed"

    team = models.ForeignKey("sla.Team", null=True, on_delete=models.SET_NULL, related_name="slack_deliveries")
    event = models.CharField(max_length=100)
    message = models.JSONField(default=dict)  # {"text": fallback, "blocks": [...]}
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "Slack deliveries"

    def __str__(self):
        return f"{self.event} -> {self.team} ({self.state})"
