from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from delivery_portal.audit import history_entries

from .models import ChangeRequest


@require_safe
def change_list(request):
    changes = ChangeRequest.objects.select_related("requester").order_by("-created_at")
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return render(request, "changes/list.html", {"page_obj": page})


@require_safe
def change_detail(request, reference):
    change = get_object_or_404(ChangeRequest.objects.select_related("requester"), reference=reference)
    return render(request, "changes/detail.html", {"change": change, "history": history_entries(change)})
