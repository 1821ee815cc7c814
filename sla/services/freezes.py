"""Deploy freezes: imposed and lifted by hand, started and ended by the recompute."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify
from slack_integration import notify as slack_notify

from ..models import Freeze, Service
from .common import require_manager

FREEZE_STARTED = "freeze.started"
FREEZE_LIFTED = "freeze.lifted"


def _notify_team(service: Service, *, event: str, subject: str, body: str, payload: dict) -> None:
    team = service.team
    notify(
        event=event,
        subject=subject,
        body=body,
        emails=[team.email] if team and team.email else [],
        webhook_urls=[team.webhook_url] if team and team.webhook_url else [],
        url=reverse("sla:service", args=[service.slug]),
        payload={"service": service.slug, "team": team.slug if team else None, **payload},
    )


def start_freeze(service: Service, *, cause: str, reason: str, at: datetime, by=None) -> Freeze:
    freeze = Freeze.objects.create(service=service, cause=cause, reason=reason, started_at=at, started_by=by)
    Service.objects.filter(pk=service.pk).update(freeze_active=True)
    service.freeze_active = True
    who = by.username if by else "the error-budget recompute"
    _notify_team(
        service,
        event=FREEZE_STARTED,
        subject=f"Deploy freeze on {service.name}",
        body=f"Deployments to {service.name} are frozen (only critical ones go ahead), started by {who}: {reason}",
        payload={"cause": cause, "reason": reason, "started_at": at.isoformat(), "by": by.username if by else None},
    )
    slack_notify.freeze_changed(freeze, imposed=True)
    return freeze


def end_freeze(freeze: Freeze, *, reason: str, at: datetime, by=None) -> Freeze:
    freeze.ended_at = at
    freeze.ended_by = by
    freeze.end_reason = reason
    freeze.save(update_fields=["ended_at", "ended_by", "end_reason"])
    service = freeze.service
    Service.objects.filter(pk=service.pk).update(freeze_active=False)
    service.freeze_active = False
    who = by.username if by else "the error-budget recompute"
    _notify_team(
        service,
        event=FREEZE_LIFTED,
        subject=f"Deploy freeze lifted on {service.name}",
        body=f"Deployments to {service.name} may go ahead again, freeze lifted by {who}: {reason}",
        payload={"cause": freeze.cause, "reason": reason, "ended_at": at.isoformat(), "by": by.username if by else None},
    )
    slack_notify.freeze_changed(freeze, imposed=False)
    return freeze


def lock_service(service: Service) -> Service:
    return Service.objects.select_for_update(of=("self",)).select_related("team").get(pk=service.pk)


@transaction.atomic
def freeze_impose(*, service: Service, by, reason: str, at: datetime | None = None) -> Freeze:
    """A delivery manager freezes deployments to `service` by hand, with a reason.

    A manual freeze stays until a manager lifts it: the recompute never lifts it.
    """
    at = at or timezone.now()
    require_manager(by)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the service is frozen."})
    service = lock_service(service)
    open_freeze = service.freezes.filter(ended_at__isnull=True).first()
    if open_freeze is not None:
        raise ProcessError(
            f"{service.name} is already frozen since {open_freeze.started_at:%Y-%m-%d %H:%M} ({open_freeze.get_cause_display().lower()}).",
            ["the service is already frozen"],
        )
    return start_freeze(service, cause=Freeze.Cause.MANUAL, reason=reason.strip(), at=at, by=by)


@transaction.atomic
def freeze_lift(*, service: Service, by, reason: str, at: datetime | None = None) -> Freeze:
    """A delivery manager lifts the open freeze (manual or budget), with a reason.

    Lifting a budget freeze by hand is an override: the recompute does not freeze the service
    again for the rest of the current month (see README). A manager can still impose one.
    """
    at = at or timezone.now()
    require_manager(by)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the freeze is lifted."})
    service = lock_service(service)
    open_freeze = service.freezes.filter(ended_at__isnull=True).select_related("service__team").first()
    if open_freeze is None:
        raise ProcessError(f"{service.name} is not frozen.", ["there is no open freeze to lift"])
    open_freeze.service = service
    return end_freeze(open_freeze, reason=reason.strip(), at=at, by=by)
