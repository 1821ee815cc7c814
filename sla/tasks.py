"""Celery tasks of the sla app: thin shells over sla.services, idempotent."""

from celery import shared_task

from .services import recompute
from .models import Service


@shared_task
def recompute_budgets():
    """Beat, every minute: every service's budget, snapshots, freezes started and lifted."""
    result = recompute.budget_recompute()
    return {"services": result.services, "frozen": result.frozen, "lifted": result.lifted}


@shared_task
def recompute_service_budget(service_id: int):
    """One service, right after something changed its budget (maintenance added, target edited)."""
    if not Service.objects.filter(pk=service_id).exists():
        return None
    result = recompute.budget_recompute(service_ids=[service_id])
    return {"frozen": result.frozen, "lifted": result.lifted}
