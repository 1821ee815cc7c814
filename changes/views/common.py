"""What the change pages share."""

from django.core.exceptions import PermissionDenied
from django.utils.http import url_has_allowed_host_and_scheme

from delivery_portal import roles


def next_url(request, fallback):
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return fallback


def require_requester(request):
    if not roles.can_request_change(request.user):
        raise PermissionDenied("Viewers cannot request changes.")
