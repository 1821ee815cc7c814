"""The post-mortem of a resolved incident and its action items."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from delivery_portal import concurrency
from delivery_portal.audit import save_with_history
from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify

from .. import domain
from ..models import ActionItem, Incident, PostMortem
from .common import at_or_now, incident_url, lock, resolve_user, system_entry

POSTMORTEM_FIELDS = tuple(name for name, _label in domain.POSTMORTEM_SECTIONS)


@transaction.atomic
def postmortem_save(*, incident: Incident, by=None, expected_version=None, **sections) -> PostMortem:
    """Write the post-mortem's sections (made on the first save).

    `expected_version`: the `edit_version` the editor saw (delivery_portal.concurrency; a
    post-mortem not written yet is at version 1); someone else's save since then raises
    ConcurrentEditError and nothing is written. None asks for no check (the version still moves).
    """
    unknown = set(sections) - set(POSTMORTEM_FIELDS)
    if unknown:
        raise ValueError(f"not a post-mortem section: {', '.join(sorted(unknown))}")
    incident = lock(incident)
    if incident.state not in domain.RESOLVED_STATES:
        raise ProcessError("A post-mortem is written once the incident is resolved.")
    pm, _ = PostMortem.objects.select_for_update().get_or_create(incident=incident)
    concurrency.claim(pm, expected_version, noun="post-mortem")
    pm = PostMortem.objects.select_for_update().get(pk=pm.pk)
    for name, value in sections.items():
        setattr(pm, name, value or "")
    if pm.completed_at and domain.postmortem_missing_sections({n: getattr(pm, n) for n in POSTMORTEM_FIELDS}):
        pm.completed_at = None  # emptied a section: no longer complete
        pm.completed_by = None
    save_with_history(pm, by=by, reason="edited")
    return pm


@transaction.atomic
def postmortem_complete(*, incident: Incident, by=None, at: datetime | None = None) -> PostMortem:
    at = at_or_now(at)
    incident = lock(incident)
    pm = PostMortem.objects.select_for_update().filter(incident=incident).first()
    if pm is None:
        raise ProcessError("There is no post-mortem to complete yet.")
    missing = domain.postmortem_missing_sections({n: getattr(pm, n) for n in POSTMORTEM_FIELDS})
    if missing:
        raise ProcessError("The post-mortem is not complete: " + ", ".join(missing) + " still empty.", [f"Missing: {m}" for m in missing])
    if pm.completed_at:
        return pm
    pm.completed_at = at
    pm.completed_by = by if getattr(by, "pk", None) else None
    save_with_history(pm, by=by, reason="completed")
    system_entry(incident, text="Post-mortem completed.", at=max(at, incident.detected_at), by=by)
    return pm


@transaction.atomic
def action_item_add(*, incident: Incident, title: str, owner, due_date, by=None) -> ActionItem:
    incident = lock(incident)
    if incident.state not in domain.RESOLVED_STATES:
        raise ProcessError("Action items belong to the post-mortem, written once the incident is resolved.")
    owner = resolve_user(owner)
    pm, _ = PostMortem.objects.get_or_create(incident=incident)
    item = ActionItem(postmortem=pm, title=title, owner=owner, due_date=due_date)
    save_with_history(item, by=by)
    notify(
        event="incident.action_item",
        subject=f"Action item for you ({incident.reference}): {title}",
        body=f"Due {due_date:%Y-%m-%d}.",
        users=[owner],
        url=incident_url(incident),
    )
    return item


@transaction.atomic
def action_item_set_status(*, item: ActionItem, status: str, by=None) -> ActionItem:
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": [f"Status must be one of {', '.join(ActionItem.Status.values)}."]})
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    if item.status != status:
        item.status = status
        save_with_history(item, by=by, reason=f"status {status}")
    return item
