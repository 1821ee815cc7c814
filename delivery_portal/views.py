"""The portal's own pages: system status, the inbox, the health check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from . import roles, selectors, services


@require_safe
def system_status(request):
    """Is the background machinery alive? Pending outbox work and a worker round trip."""
    context = {"pending_outbox": selectors.pending_outbox_count(), "heartbeats": selectors.recent_heartbeats()}
    if request.htmx:
        return render(request, "delivery_portal/system.html#heartbeats", context)
    return render(request, "delivery_portal/system.html", context)


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def check_worker(request):
    services.heartbeat_request(by=request.user)
    messages.info(request, "Asked a worker to answer; the answer shows below within seconds.")
    return redirect("system")


@require_safe
def inbox(request):
    return render(request, "delivery_portal/inbox.html", {"notes": selectors.inbox(request.user)})


@require_POST
def inbox_mark_read(request):
    services.notifications_mark_read(user=request.user)
    return redirect("inbox")


@login_not_required
def healthz(request):
    """Liveness for load balancers: no database, no login."""
    return HttpResponse("ok", content_type="text/plain")
