"""Beat tasks of incidents (schedule in settings). Thin: the services do the work, idempotently."""

from celery import shared_task

from .services import reminders


@shared_task
def remind_overdue_status_updates():
    """One reminder to the commander per missed 30-minute status update (ledger row per slot)."""
    return reminders.remind_overdue_status_updates()


@shared_task
def remind_overdue_postmortems():
    """Overdue post-mortems (48 h after resolution) and overdue action items, each reminded once."""
    return reminders.remind_overdue_postmortems()
