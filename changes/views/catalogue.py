"""The catalogue of standard-change templates."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from delivery_portal import roles

from ..selectors.catalogue import active_templates


@require_safe
def template_list(request):
    templates = active_templates()
    return render(
        request, "changes/templates.html", {"templates": templates, "can_request": roles.can_request_change(request.user)}
    )
