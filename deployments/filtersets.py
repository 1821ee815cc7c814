"""The deployment list's filters, one FilterSet shared by the page, its CSV export and the
API list (`GET /api/v1/deployments/?service=&environment=&state=`), so that the three
always match the same deployments for the same query string.

Each filter matches exactly and an empty value filters nothing; a value that matches no
deployment gives an empty list (never an error), as the page and the API always did.
"""

import django_filters

from .domain import canonical_environment
from .models import Deployment


class DeploymentFilterSet(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service__slug", help_text="A service's slug.")
    environment = django_filters.CharFilter(
        method="filter_environment", help_text="An environment, in any spelling (prod is production)."
    )
    state = django_filters.CharFilter(field_name="state", help_text="running, paused, holding, succeeded, ...")

    class Meta:
        model = Deployment
        fields = ["service", "environment", "state"]

    def filter_environment(self, queryset, name, value):
        return queryset.filter(environment=canonical_environment(value))
