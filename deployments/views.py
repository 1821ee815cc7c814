from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from delivery_portal.audit import history_entries

from .models import Deployment


@require_safe
def deployment_list(request):
    deployments = Deployment.objects.select_related("service").order_by("-created_at")
    page = Paginator(deployments, 50).get_page(request.GET.get("page"))
    return render(request, "deployments/list.html", {"page_obj": page})


@require_safe
def deployment_detail(request, pk):
    deployment = get_object_or_404(Deployment.objects.select_related("service"), pk=pk)
    return render(request, "deployments/detail.html", {"deployment": deployment, "history": history_entries(deployment)})
