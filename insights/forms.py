from django import forms

from delivery_portal.widgets import QuickSelect
from sla.models import Service, Team

from .domain.maturity import CHARACTERISTICS, MATURITY_LEVELS


class DateInput(forms.DateInput):
    input_type = "date"


class DoraFilterForm(forms.Form):
    """The DORA page's filters, for display only: the view validates the query string with
    the API's DoraQuerySerializer, so the page and GET /api/v1/dora/ read it the same way.
    Build it unbound with `initial` (the current filters)."""

    service = forms.ChoiceField(required=False, widget=QuickSelect)
    team = forms.ChoiceField(required=False, widget=QuickSelect)
    start = forms.DateField(required=False, widget=DateInput)
    end = forms.DateField(required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "All services"), *Service.objects.order_by("name").values_list("slug", "name")]
        self.fields["team"].choices = [("", "All teams"), *Team.objects.order_by("name").values_list("slug", "name")]


class MaturityAssessmentForm(forms.Form):
    """One checkbox per characteristic; those the portal's data proves are filled in and locked."""

    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, evidence=None, initial_answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence = evidence or {}
        initial_answers = initial_answers or {}
        self.levels = []
        for level in MATURITY_LEVELS:
            rows = []
            for c in level.characteristics:
                proven = c.key in self.evidence
                field = forms.BooleanField(
                    required=False, label=c.label, help_text=self.evidence.get(c.key, c.question), disabled=proven,
                    initial=True if proven else bool(initial_answers.get(c.key)),
                )
                self.fields[c.key] = field
                rows.append({"characteristic": c, "proven": proven})
            self.levels.append({"level": level, "rows": rows})

    def answers(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(key)) for key in CHARACTERISTICS}

    def levels_with_fields(self):
        for block in self.levels:
            yield {
                "level": block["level"],
                "rows": [{**row, "field": self[row["characteristic"].key]} for row in block["rows"]],
            }
