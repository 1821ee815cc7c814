"""The change list and its CSV export."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from delivery_portal import roles
from delivery_portal.exports import csv_response, dated_filename

from ..selectors.approvers import changes_awaiting
from ..filtersets import ChangeFilterSet
from ..selectors.lists import change_rows
from ..selectors.reviews import overdue_emergency_reviews
from ..models import ChangeState


# Backlog lists show this many entries and link to the full, paginated list.
REVIEWS_LISTED = 20


def _filtered_changes(params):
    """(the changes the query string's filters select, the applied filters for links): the
    page and its CSV export filter with the API's FilterSet, so the three cannot disagree."""
    filterset = ChangeFilterSet(params, queryset=change_rows())
    return filterset.qs, filterset.applied()


@require_safe
def change_list(request):
    changes, filters = _filtered_changes(request.GET)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    overdue = overdue_emergency_reviews().select_related(None).prefetch_related(None).only("reference", "title")
    return render(
        request,
        "changes/list.html",
        {
            "page_obj": page,
            "states": ChangeState.choices,
            "state": filters.get("state", ""),
            "review": filters.get("review", ""),
            "querystring_base": urlencode(filters),
            "awaiting": changes_awaiting(request.user)[:20],
            "overdue_reviews": overdue[:REVIEWS_LISTED],
            "overdue_count": overdue.count(),
            "reviews_listed": REVIEWS_LISTED,
            "can_request": roles.can_request_change(request.user),
        },
    )


CHANGE_CSV_COLUMNS = [
    ("reference", "reference"),
    ("title", "title"),
    ("change_type", "change_type"),
    ("state", "state"),
    ("requester", "requester.username"),
    ("services", lambda change: ", ".join(s.slug for s in change.services.all())),
    ("window_start", "window_start"),
    ("window_end", "window_end"),
    ("impact_downtime_minutes", "impact_downtime_minutes"),
    ("submitted_at", "submitted_at"),
    ("decided_at", "decided_at"),
    ("implementation_started_at", "implementation_started_at"),
    ("implementation_ended_at", "implementation_ended_at"),
    ("reviewed_at", "reviewed_at"),
    ("created_at", "created_at"),
]


@require_safe
def change_list_csv(request):
    """The list as CSV with the page's filters: every matching change."""
    changes, _filters = _filtered_changes(request.GET)
    changes = changes.prefetch_related(None).prefetch_related("services")
    return csv_response(changes, CHANGE_CSV_COLUMNS, filename=dated_filename("changes"))
