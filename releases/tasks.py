from celery import shared_task

from . import services


@shared_task(acks_late=True)
def remind_overdue_comms():
    """Beat, hourly: one reminder per overdue checklist item (a `reminded_at` guard makes it idempotent)."""
    return services.comms_remind_overdue()
