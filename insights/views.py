from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from deployments.models import Deployment, DeploymentState
from incidents.models import Incident, IncidentState
from sla.models import Service


@require_safe
def dashboard(request):
    """The first page after login: what needs attention now."""
    open_states = [IncidentState.DETECT, IncidentState.TRIAGE, IncidentState.RESPOND]
    context = {
        "frozen_services": list(Service.objects.filter(freeze_active=True).order_by("name")[:20]),
        "open_incidents": list(Incident.objects.filter(state__in=open_states).order_by("severity", "-detected_at")[:20]),
        "active_deployments": list(
            Deployment.objects.filter(state__in=[DeploymentState.RUNNING, DeploymentState.PAUSED, DeploymentState.HOLDING])
            .select_related("service")
            .order_by("-created_at")[:20]
        ),
    }
    return render(request, "insights/dashboard.html", context)


@require_safe
def dora(request):
    since = timezone.now() - timedelta(days=30)
    succeeded = Deployment.objects.filter(environment="production", state=DeploymentState.SUCCEEDED, finished_at__gte=since).count()
    return render(request, "insights/dora.html", {"succeeded_30d": succeeded})
