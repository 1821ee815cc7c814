"""Services and their maintenance windows."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from delivery_portal import concurrency
from delivery_portal.audit import attributed, save_with_history
from delivery_portal.outbox import enqueue

from ..models import MaintenanceWindow, Service
from .common import require_manager
from .recompute import budget_recompute

SERVICE_FIELDS = ("slug", "name", "tier", "sla_target", "team", "p99_threshold_ms")


@transaction.atomic
def service_create(*, by, **fields) -> Service:
    require_manager(by)
    service = Service(**{k: v for k, v in fields.items() if k in SERVICE_FIELDS})
    service.full_clean()
    save_with_history(service, by=by, reason="created")
    return service


@transaction.atomic
def service_update(*, service: Service, by, expected_version=None, recompute_now: bool = False, **fields) -> Service:
    """Change a service's facts; a new SLA target takes effect in the next recompute (queued),
    or at once with `recompute_now` when the target is among the fields (the API answers
    with the freeze state that follows from it).

    `expected_version`: the `edit_version` the editor saw (delivery_portal.concurrency).
    """
    require_manager(by)
    concurrency.claim(service, expected_version, noun="service")
    for name, value in fields.items():
        if name in SERVICE_FIELDS:
            setattr(service, name, value)
    service.full_clean()
    save_with_history(service, by=by, reason="edited")
    if recompute_now and "sla_target" in fields:
        budget_recompute(service_ids=[service.pk])
    else:
        enqueue("sla.tasks.recompute_service_budget", service_id=service.pk)
    return service


@transaction.atomic
def maintenance_window_add(
    *, service: Service, starts_at: datetime, ends_at: datetime, reason: str, by=None
) -> MaintenanceWindow:
    """Schedule (or record) maintenance: its minutes stop counting against the budget at once.

    The freeze state follows in the recompute queued here (a freeze may lift).
    """
    window = MaintenanceWindow(service=service, starts_at=starts_at, ends_at=ends_at, reason=reason.strip(), created_by=by)
    window.full_clean()
    save_with_history(window, by=by, reason="added")
    enqueue("sla.tasks.recompute_service_budget", service_id=service.pk)
    return window


@transaction.atomic
def maintenance_window_remove(*, window: MaintenanceWindow, reason: str, by=None) -> None:
    """Remove a maintenance window entered by mistake: its minutes count against the budget
    again (a freeze may start in the recompute queued here). The deletion, who made it and why
    stay in the window's history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the window is removed (it changes the error budget)."]})
    service_id = window.service_id
    with attributed(window, by=by, reason=f"removed: {reason}"):
        window.delete()
    enqueue("sla.tasks.recompute_service_budget", service_id=service_id)
