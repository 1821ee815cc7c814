"""The filters of the change list, shared by the page, its CSV export and the API list.

    GET /changes/?state=submitted            GET /changes/export.csv?review=overdue
    GET /api/v1/changes/?state=&change_type=&service=

`review` (pending or overdue) lists that part of the emergency-review backlog instead,
oldest first; the state is not applied then, as the page has always done. A value that is
not one of the choices is left out on the page and its export (the list shows everything
else it was asked for) and is a 400 in the API, as any bad input there.
"""

import django_filters

from .models import ChangeRequest, ChangeState, ChangeType
from .selectors.reviews import BACKLOG_PARTS, review_backlog

REVIEW_CHOICES = [(part, f"{part} CAB review") for part in BACKLOG_PARTS]


class ChangeFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ChangeState.choices, method="filter_state")
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices)
    service = django_filters.CharFilter(field_name="services__slug", distinct=True, help_text="A service's slug.")
    review = django_filters.ChoiceFilter(choices=REVIEW_CHOICES, method="filter_review",
                                         help_text="Emergency changes awaiting (pending) or overdue for CAB review.")

    class Meta:
        model = ChangeRequest
        fields = ["state", "change_type", "service", "review"]

    def filter_state(self, queryset, name, value):
        if self.form.cleaned_data.get("review"):
            return queryset  # the review backlog has states of its own
        return queryset.filter(state=value)

    def filter_review(self, queryset, name, value):
        return review_backlog(queryset, value)

    def applied(self) -> dict[str, str]:
        """The filters that were applied (valid and not empty), for links and the export."""
        self.is_valid()
        return {name: value for name, value in self.form.cleaned_data.items() if value}
