from datetime import timedelta

from django import template

register = template.Library()

LEVEL_BADGES = {"elite": "ok", "high": "ok", "medium": "warn", "low": "bad"}


@register.filter
def level_badge(level):
    """The portal.css badge class of a DORA level."""
    return LEVEL_BADGES.get(level, "")


@register.filter
def hours(value):
    """Hours as people read them: 45 min, 3.5 h, 2.1 days."""
    if value is None:
        return "no data"
    if value < 1:
        return f"{value * 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} days"


@register.filter
def percent(value):
    return "no data" if value is None else f"{value * 100:.1f}%"


@register.filter
def per_day(value):
    if value is None:
        return "no data"
    if value >= 1 or value == 0:
        return f"{value:.2f}/day"
    return f"{value * 7:.2f}/week"


@register.filter
def span(value: timedelta):
    """A duration as 2d 3h, 4h 5m or 12m."""
    if value is None:
        return ""
    total = int(value.total_seconds())
    if total < 0:
        return "0m"
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    if d:
        return f"{d}d {h}h"
    if h:
        return f"{h}h {m}m"
    return f"{m}m"
