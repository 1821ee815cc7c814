from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from delivery_portal.audit import history_entries

from .models import Service


@require_safe
def overview(request):
    services = Service.objects.select_related("team").order_by("name")
    return render(request, "sla/overview.html", {"services": services})


@require_safe
def service_detail(request, slug):
    service = get_object_or_404(Service.objects.select_related("team"), slug=slug)
    return render(request, "sla/service.html", {"service": service, "history": history_entries(service)})
