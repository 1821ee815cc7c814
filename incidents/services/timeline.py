"""The incident timeline: appending and editing entries."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from delivery_portal.audit import save_with_history
from delivery_portal.errors import ProcessError

from ..markdown import sanitised_html
from ..models import Incident, IncidentState, TimelineEntry, TimelineKind
from .common import at_or_now, lock


@transaction.atomic
def timeline_append(*, incident: Incident, kind: str, text: str, by=None, at: datetime | None = None) -> TimelineEntry:
    """Append one entry. Each append is its own row, so concurrent appends never overwrite."""
    at = at_or_now(at)
    if kind not in TimelineKind.values:
        raise ValidationError({"kind": [f"Kind must be one of {', '.join(TimelineKind.values)}."]})
    if not (text or "").strip():
        raise ValidationError({"text": ["Write something."]})
    incident = lock(incident)  # serialises appends with state changes of the same incident
    if incident.state == IncidentState.CLOSED:
        raise ProcessError("The incident is closed: its timeline is final.")
    text = text.strip()
    entry = TimelineEntry(
        incident=incident, at=at, kind=kind, text=text, text_html=sanitised_html(text), author=by if getattr(by, "pk", None) else None
    )
    save_with_history(entry, by=by)
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
    return entry


@transaction.atomic
def timeline_edit(*, entry: TimelineEntry, text: str, by=None, at: datetime | None = None) -> TimelineEntry:
    """Edit an entry's text; the previous text stays in the entry's history."""
    if not (text or "").strip():
        raise ValidationError({"text": ["Write something."]})
    entry = TimelineEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.text == text.strip():
        return entry
    entry.text = text.strip()
    entry.text_html = sanitised_html(entry.text)  # stored sanitised, rendered as is
    entry.edited_at = at_or_now(at)
    save_with_history(entry, by=by, reason="edited")
    return entry
