"""The filters of the sla lists, one FilterSet per list, shared by the page, its CSV export
and the API list: what a query string means is decided here only.

Unknown values are dropped (a choice) or match nothing (a slug), as the lists always did."""

import django_filters
from django.db.models import Q

from . import selectors
from .domain import error_budget, periods
from .models import MaintenanceWindow, Service


def _keep(queryset, name, value):
    """Options of the budget's arithmetic, not of which services: services_overview applies them."""
    return queryset


class ServiceOverviewFilterSet(django_filters.FilterSet):
    """The SLA overview (page and CSV export): `team`, `frozen` (yes/no) and `q` (name or
    slug) choose the services; `period`, `status` and `sort` (a key of
    selectors.OVERVIEW_SORTS, "-" first to reverse) choose what their budgets show."""

    team = django_filters.CharFilter(field_name="team__slug")
    frozen = django_filters.ChoiceFilter(choices=[("yes", "Frozen"), ("no", "Not frozen")], method="filter_frozen")
    q = django_filters.CharFilter(method="filter_q")
    period = django_filters.ChoiceFilter(choices=[(p, p) for p in periods.PERIODS], method=_keep)
    status = django_filters.ChoiceFilter(choices=[(s, s) for s in error_budget.STATUSES], method=_keep)
    sort = django_filters.ChoiceFilter(
        choices=[(key, key) for name in selectors.OVERVIEW_SORTS for key in (name, f"-{name}")], method=_keep
    )

    class Meta:
        model = Service
        fields = ["team", "frozen", "q", "period", "status", "sort"]

    def filter_frozen(self, queryset, name, value):
        return queryset.filter(freeze_active=value == "yes")

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value))

    def cleaned(self) -> dict:
        """Every filter's clean value, with the defaults (month, any status, worst first)."""
        self.is_valid()  # cleans the form; an unknown choice is left out
        data = self.form.cleaned_data
        return {
            "team": data.get("team") or "",
            "frozen": data.get("frozen") or "",
            "q": data.get("q") or "",
            "period": data.get("period") or "month",
            "status": data.get("status") or "",
            "sort": data.get("sort") or "status",
        }


class MaintenanceWindowFilterSet(django_filters.FilterSet):
    """GET /api/v1/maintenance-windows/?service=<slug>."""

    service = django_filters.CharFilter(field_name="service__slug")

    class Meta:
        model = MaintenanceWindow
        fields = ["service"]
