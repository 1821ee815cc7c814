"""The change calendar as iCalendar (RFC 5545), for calendar clients."""

from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar, Event


def build(items, *, base_url: str = "") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Delivery Portal//Change calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Change calendar")
    stamp = timezone.now()
    for item in items:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("summary", item.title)
        event.add("dtstart", item.starts_at)
        # Open freezes have no end yet: show them until a day after now.
        event.add("dtend", item.ends_at or max(stamp, item.starts_at) + timedelta(days=1))
        event.add("categories", [item.kind])
        if item.state:
            event.add("description", f"State: {item.state}")
        if item.url:
            event.add("url", base_url + item.url)
        cal.add_component(event)
    return cal.to_ical()
