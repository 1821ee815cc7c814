"""The catalogue of standard-change templates."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from delivery_portal import roles

from ..models import StandardChangeTemplate


@require_safe
def template_list(request):
    templates = StandardChangeTemplate.objects.filter(active=True).prefetch_related("services").order_by("title")
    return render(
        request, "changes/templates.html", {"templates": templates, "can_request": roles.can_request_change(request.user)}
    )
