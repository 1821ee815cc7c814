"""Changes, freezes and blackout windows of a period: the calendar page and its iCalendar feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote


from sla.selectors import freezes_overlapping

from ..models import BlackoutWindow, CalendarFeedToken, ChangeRequest, ChangeState
from .conflicts import ACTIVE_STATES

CALENDAR_STATES = ACTIVE_STATES + (ChangeState.COMPLETED, ChangeState.FAILED, ChangeState.REVIEWED, ChangeState.CLOSED)


@dataclass(frozen=True)
class CalendarItem:
    kind: str  # change | freeze | blackout
    title: str
    starts_at: datetime
    ends_at: datetime | None
    url: str = ""
    state: str = ""
    uid: str = ""


def calendar_items(start: datetime, end: datetime) -> list[CalendarItem]:
    """Changes, freezes and blackout windows overlapping [start, end), by start. Three queries."""
    from django.urls import reverse

    # One reversal per kind, not per item: a month holds a thousand changes at large scale.
    change_url = reverse("changes:detail", args=["__ref__"])
    service_url = reverse("sla:service", args=["__slug__"])
    # Plain rows rather than model instances: building a thousand models costs more than the query.
    changes = (
        ChangeRequest.objects.filter(state__in=CALENDAR_STATES, window_start__lt=end, window_end__gt=start)
        .order_by("window_start")
        .values_list("reference", "title", "state", "window_start", "window_end")
    )
    items = [
        CalendarItem(
            "change",
            f"{reference} {title}",
            starts,
            ends,
            url=change_url.replace("__ref__", quote(reference)),
            state=state,
            uid=f"{reference}@delivery-portal",
        )
        for reference, title, state, starts, ends in changes
    ]
    freezes = (
        freezes_overlapping(start=start, end=end)
        .values_list("pk", "service__slug", "started_at", "ended_at")
    )
    items += [
        CalendarItem(
            "freeze",
            f"Freeze: {slug}",
            started,
            ended,
            url=service_url.replace("__slug__", slug),
            uid=f"freeze-{pk}@delivery-portal",
        )
        for pk, slug, started, ended in freezes
    ]
    for b in BlackoutWindow.objects.filter(starts_at__lt=end, ends_at__gt=start):
        items.append(CalendarItem("blackout", f"Blackout: {b.title}", b.starts_at, b.ends_at, uid=f"blackout-{b.pk}@delivery-portal"))
    items.sort(key=lambda i: (i.starts_at, i.kind))
    return items


def feed_token_is_valid(key: str) -> bool:
    """Whether `key` is the feed token of an active user (calendar clients cannot log in)."""
    return CalendarFeedToken.objects.filter(key=key, user__is_active=True).exists()
