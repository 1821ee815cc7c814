"""Celery tasks of the changes app: thin shells over services."""

from celery import shared_task


@shared_task(name="changes.tasks.remind_overdue_emergency_reviews")
def remind_overdue_emergency_reviews():
    """Tell the CAB about emergency changes whose review is more than 5 days overdue.

    Idempotent: each overdue change is reminded at most once a day.
    """
    from .services.reminders import emergency_reviews_remind

    return emergency_reviews_remind()
