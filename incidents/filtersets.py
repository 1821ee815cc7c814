"""The filters of the incident lists, one FilterSet per list, shared by the page, its CSV
export and the API list (`DjangoFilterBackend` with `filterset_class`): what a query string
means is decided here only.

Unknown values filter to nothing rather than being refused, as the lists always did: a
bookmarked `?state=closed` keeps working, a typo shows an empty list.
"""

import django_filters
from django.utils import timezone

from . import selectors
from .models import ActionItem, Incident, IncidentState


class IncidentFilterSet(django_filters.FilterSet):
    """`?service=<slug>&state=&severity=` (the API contract), and `show=open` (the page's
    default: closed incidents left out unless a state is asked for) or `show=all`."""

    service = django_filters.CharFilter(field_name="services__slug")
    state = django_filters.CharFilter(field_name="state")
    severity = django_filters.CharFilter(field_name="severity")
    show = django_filters.CharFilter(method="filter_show")

    class Meta:
        model = Incident
        fields = ["service", "state", "severity", "show"]

    def filter_show(self, queryset, name, value):
        if value == "open" and not self.form.cleaned_data.get("state"):
            return queryset.exclude(state=IncidentState.CLOSED)
        return queryset


class ActionItemFilterSet(django_filters.FilterSet):
    """`?status=open` (open or in progress, the page's default), `all` or one status;
    `owner=<username>`; `overdue=1` (open and past its due date at `at`)."""

    status = django_filters.CharFilter(method="filter_status")
    owner = django_filters.CharFilter(field_name="owner__username")
    overdue = django_filters.CharFilter(method="filter_overdue")

    class Meta:
        model = ActionItem
        fields = ["status", "owner", "overdue"]

    def __init__(self, data=None, queryset=None, *, at=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.at = at or timezone.now()

    def filter_status(self, queryset, name, value):
        if value == "all":
            return queryset
        if value == "open":
            return queryset.filter(selectors.OPEN_ACTION_ITEM)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(selectors.overdue_action_item(self.at)) if value == "1" else queryset


def with_defaults(params, **defaults):
    """The query string with the page's defaults for parameters it does not name."""
    data = params.copy()
    for key, value in defaults.items():
        data.setdefault(key, value)
    return data


def active_filters(filterset) -> dict:
    """The filters that took effect, as query-string values (for links and the CSV export)."""
    filterset.is_valid()  # cleans the form (what .qs does too)
    return {name: value for name, value in filterset.form.cleaned_data.items() if value}
