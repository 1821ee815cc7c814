"""The change calendar (month and week) and its iCalendar feed."""

import calendar as pycalendar
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from delivery_portal import roles

from .. import calendar_layout, ical
from ..selectors.calendar import calendar_items, feed_token_is_valid
from ..services.feed_tokens import feed_token_for
from ..services.feed_tokens import feed_token_reset as new_feed_token


def _parse_day(value):
    try:
        return date.fromisoformat(value) if value else timezone.now().date()
    except ValueError:
        return timezone.now().date()


def _aware(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def calendar_context(view, day):
    if view == "week":
        first = day - timedelta(days=day.weekday())
        days = [first + timedelta(days=i) for i in range(7)]
        prev_day, next_day = first - timedelta(days=7), first + timedelta(days=7)
        title = f"Week of {first:%d %b %Y}"
        weeks = [days]
    else:
        view = "month"
        weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)
        first = weeks[0][0]
        days = [d for w in weeks for d in w]
        prev_day = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        title = f"{day:%B %Y}"
    start, end = _aware(days[0]), _aware(days[-1] + timedelta(days=1))
    items = calendar_items(start, end)
    cells = calendar_layout.grid(items, weeks, month=day.month if view == "month" else None, today=timezone.localdate())
    return {
        "view": view,
        "day": day,
        "title": title,
        "weeks": cells,
        "items": items,
        "prev_day": prev_day,
        "next_day": next_day,
        "today": timezone.localdate(),
        "overview_url": reverse("sla:overview"),
    }


@require_safe
def change_calendar(request):
    view = request.GET.get("view", "month")
    context = calendar_context(view, _parse_day(request.GET.get("date")))
    if request.htmx:
        return render(request, "changes/calendar.html#calendar", context)
    token = feed_token_for(request.user)
    feed_url = request.build_absolute_uri(reverse("changes:feed") + f"?token={token.key}")
    return render(request, "changes/calendar.html", {**context, "feed_url": feed_url})


@require_POST
@roles.role_required(*roles.WRITER_ROLES)  # anyone but a viewer
def feed_token_reset(request):
    new_feed_token(user=request.user)
    messages.success(request, "Your calendar feed has a new address; the old one no longer works.")
    return redirect("changes:calendar")


@login_not_required
def change_feed(request):
    """iCalendar feed. Calendar clients cannot log in, so the URL carries the user's secret
    feed token (?token=...); without a valid token it is an ordinary login-protected page."""
    token = request.GET.get("token")
    if not token and not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if token and not feed_token_is_valid(token):
        raise Http404("Unknown feed token.")
    now = timezone.now()
    items = calendar_items(now - timedelta(days=60), now + timedelta(days=365))
    body = ical.build(items, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="changes.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
