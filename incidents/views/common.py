"""Helpers the incident pages share: who may write, the incident by reference, its URL."""

from django.http import Http404
from django.urls import reverse

from delivery_portal import roles

from .. import selectors
from ..models import Incident

WRITERS = (roles.ON_CALL,)  # delivery managers hold every role


def can_write(user):
    return roles.has_any_role(user, *WRITERS)


def require_writer(request):
    roles.require_role(request.user, *WRITERS)


def detail_url(incident, anchor=""):
    return reverse("incidents:detail", kwargs={"reference": incident.reference}) + (f"#{anchor}" if anchor else "")


def get_incident(reference, *, with_timeline=True):
    try:
        return selectors.incident_detail(reference, with_timeline=with_timeline)
    except Incident.DoesNotExist:
        raise Http404("No such incident.") from None
