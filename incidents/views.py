from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from delivery_portal.audit import history_entries

from .models import Incident, IncidentState


@require_safe
def incident_list(request):
    open_first = Case(
        When(state__in=[IncidentState.REVIEW, IncidentState.CLOSED], then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    incidents = Incident.objects.select_related("commander").annotate(closed_rank=open_first).order_by("closed_rank", "severity", "-detected_at")
    page = Paginator(incidents, 50).get_page(request.GET.get("page"))
    return render(request, "incidents/list.html", {"page_obj": page})


@require_safe
def incident_detail(request, reference):
    incident = get_object_or_404(Incident.objects.select_related("commander"), reference=reference)
    return render(request, "incidents/detail.html", {"incident": incident, "history": history_entries(incident)})
