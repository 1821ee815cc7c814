from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from . import outbox, roles
from .models import Notification, OutboxMessage, WorkerHeartbeat


@require_safe
def system_status(request):
    """Is the background machinery alive? Pending outbox work and a worker round trip."""
    context = {
        "pending_outbox": OutboxMessage.objects.filter(published_at__isnull=True).count(),
        "heartbeats": list(WorkerHeartbeat.objects.select_related("requested_by")[:5]),
    }
    if request.htmx:
        return render(request, "delivery_portal/system.html#heartbeats", context)
    return render(request, "delivery_portal/system.html", context)


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def check_worker(request):
    with transaction.atomic():
        heartbeat = WorkerHeartbeat.objects.create(requested_by=request.user)
        outbox.enqueue("delivery_portal.tasks.answer_heartbeat", heartbeat_id=heartbeat.pk)
    messages.info(request, "Asked a worker to answer; the answer shows below within seconds.")
    return redirect("system")


@require_safe
def inbox(request):
    notes = Notification.objects.filter(recipient=request.user)[:100]
    return render(request, "delivery_portal/inbox.html", {"notes": notes})


@require_POST
def inbox_mark_read(request):
    from django.utils import timezone

    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("inbox")


@login_not_required
def healthz(request):
    """Liveness for load balancers: no database, no login."""
    return HttpResponse("ok", content_type="text/plain")
