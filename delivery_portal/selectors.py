"""Reads of the portal's own plumbing for its pages: the system status and the inbox."""

from .models import Notification, OutboxMessage, WorkerHeartbeat


def pending_outbox_count() -> int:
    """Messages the relay has not handed to the broker yet."""
    return OutboxMessage.objects.filter(published_at__isnull=True).count()


def recent_heartbeats(limit: int = 5) -> list[WorkerHeartbeat]:
    """The latest worker checks, newest first, with who asked."""
    return list(WorkerHeartbeat.objects.select_related("requested_by")[:limit])


def inbox(user, limit: int = 100):
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user)[:limit]
