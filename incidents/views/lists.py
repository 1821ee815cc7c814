"""The incident list and the action-item list, each with its CSV export."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from delivery_portal.exports import csv_response, dated_filename
from delivery_portal.widgets import options
from sla import selectors as sla_selectors

from .. import domain, selectors
from ..filtersets import ActionItemFilterSet, IncidentFilterSet, active_filters, with_defaults
from ..models import ActionItem, IncidentState
from .common import can_write


def _filtered_incidents(params):
    """The list's incidents for the query string's filters (open ones unless `show` says
    otherwise), and those filters (for links). The page and its CSV export."""
    filterset = IncidentFilterSet(with_defaults(params, show="open"), queryset=selectors.incident_list())
    return filterset.qs, active_filters(filterset)


@require_safe
def incident_list(request):
    qs, filters = _filtered_incidents(request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    page.object_list = selectors.attach_clocks(page.object_list)
    service = filters.get("service")
    context = {
        "page_obj": page,
        # Built in Python: a template loop over 500 services was half of the page's render time.
        "service_options": options(sla_selectors.service_choices(), service),
        "states": IncidentState.choices,
        "severities": domain.SEVERITIES,
        "filters": filters,
        "querystring_base": urlencode(filters),
        "can_write": can_write(request.user),
        "now": timezone.now(),
    }
    template = "incidents/list.html#table" if request.htmx else "incidents/list.html"
    return render(request, template, context)


def _clocks(incident, at):
    """The incident's clocks, computed once per row (from the list's annotations: no query)."""
    if not hasattr(incident, "clocks"):
        incident.clocks = selectors.incident_clocks(incident, at=at)
    return incident.clocks


def _incident_csv_columns(at):
    return [
        ("reference", "reference"),
        ("title", "title"),
        ("severity", "severity"),
        ("state", "state"),
        ("services", lambda i: ", ".join(s.slug for s in i.services.all())),
        ("commander", "commander.username"),
        ("counts_against_sla", "counts_against_sla"),
        ("impact_started_at", "impact_started_at"),
        ("impact_ended_at", "impact_ended_at"),
        ("detected_at", "detected_at"),
        ("acknowledged_at", "acknowledged_at"),
        ("resolved_at", "resolved_at"),
        ("response_due_at", lambda i: _clocks(i, at).response_due_at),
        ("response_breached", lambda i: _clocks(i, at).response_breached),
        ("resolution_due_at", lambda i: _clocks(i, at).resolution_due_at),
        ("resolution_breached", lambda i: _clocks(i, at).resolution_breached),
        ("next_update_due_at", lambda i: _clocks(i, at).next_update_due_at),
        ("postmortem_overdue", lambda i: _clocks(i, at).postmortem_overdue),
        ("caused_by_change", "caused_by_change.reference"),
        ("caused_by_deployment", "caused_by_deployment_id"),
    ]


@require_safe
def incident_list_csv(request):
    """The list as CSV with the page's filters: every matching incident, not one page."""
    qs, _filters = _filtered_incidents(request.GET)
    return csv_response(qs, _incident_csv_columns(timezone.now()), filename=dated_filename("incidents"))


def _filtered_action_items(params, *, at):
    """The action items for the query string's filters (open ones unless `status` says
    otherwise), and those filters (for links). The page and its CSV export."""
    filterset = ActionItemFilterSet(with_defaults(params, status="open"), queryset=selectors.action_items(), at=at)
    return filterset.qs, active_filters(filterset)


@require_safe
def action_item_list(request):
    now = timezone.now()
    qs, filters = _filtered_action_items(request.GET, at=now)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/action_items.html",
        {
            "page_obj": page,
            "today": now.date(),
            "filters": filters,
            "querystring_base": urlencode(filters),
            "statuses": ActionItem.Status.choices,
            "overdue_postmortems": selectors.overdue_postmortems(at=now),
            "can_write": can_write(request.user),
        },
    )


@require_safe
def action_item_list_csv(request):
    now = timezone.now()
    qs, _filters = _filtered_action_items(request.GET, at=now)
    today = now.date()
    columns = [
        ("incident", "postmortem.incident.reference"),
        ("incident_title", "postmortem.incident.title"),
        ("action", "title"),
        ("owner", "owner.username"),
        ("due_date", "due_date"),
        ("status", "status"),
        ("overdue", lambda item: item.is_open and item.due_date < today),
    ]
    return csv_response(qs, columns, filename=dated_filename("action-items"))
