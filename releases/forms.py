from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from delivery_portal import concurrency
from sla.models import Service

from .domain import payloads, versions
from .models import BugFix, Dependency, Feature, RolloutPlan


class ReleaseForm(forms.Form):
    version = forms.CharField(max_length=50, help_text="Semantic version, e.g. v2.5.0.")
    product = forms.CharField(max_length=100, initial="portal")
    target_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), required=False, to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_version(self):
        """The canonical spelling (``2.5.0`` -> ``v2.5.0``, releases/domain/versions.py)."""
        try:
            return versions.canonical_version(self.cleaned_data["version"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ReleaseEditForm(concurrency.VersionedForm):
    """Move the target date; carries the release's edit_version (the second editor is told)."""

    target_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text="Open checklist items move with it.")


class CommsOwnerForm(forms.Form):
    """The owner of one checklist item, by username; only active users."""

    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True), to_field_name="username",
        error_messages={"invalid_choice": "The owner must be an active user.", "required": "Choose the new owner."},
    )


class FeatureForm(forms.ModelForm):
    class Meta:
        model = Feature
        fields = ["title", "ticket", "status"]


class BugFixForm(forms.ModelForm):
    class Meta:
        model = BugFix
        fields = ["title", "ticket", "priority", "status"]


class DependencyForm(forms.ModelForm):
    class Meta:
        model = Dependency
        fields = ["kind", "description"]


SCOPE_FORMS = {"feature": FeatureForm, "bug_fix": BugFixForm, "dependency": DependencyForm}


class RolloutForm(forms.ModelForm):
    edit_version = concurrency.version_form_field()
    window_start = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    window_end = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = RolloutPlan
        fields = ["window_start", "window_end", "strategy", "rollback_plan", "monitoring_hours"]
        widgets = {"rollback_plan": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"strategy": "Leave empty to follow the recommendation.",
                      "rollback_plan": "Leave empty for the strategy's standard plan."}

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end <= start:
            self.add_error("window_end", "The window must end after it starts.")
        return data


def evidence_form_class(criterion: str):
    """A form with one field per payload field of `criterion` (the contract's table)."""
    fields = {}
    for name, kind in payloads.PAYLOAD_FIELDS[criterion].items():
        label = name.replace("_", " ").capitalize().replace("P99 ms", "P99 (ms)").replace("Target ms", "Target (ms)")
        if kind == "count":
            fields[name] = forms.IntegerField(label=label, min_value=0)
        elif kind in ("positive", "non_negative"):
            fields[name] = forms.FloatField(label=label, min_value=0)
        elif kind == "text":
            fields[name] = forms.CharField(label=label, max_length=200)
        elif kind == "bool":
            fields[name] = forms.BooleanField(label=label, required=False)
        else:
            fields[name] = forms.DateTimeField(label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def payload(self):
        data = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, datetime):
                value = (value if timezone.is_aware(value) else timezone.make_aware(value)).isoformat()
            data[name] = value
        return data

    return type(f"{criterion.title()}EvidenceForm", (forms.Form,), {**fields, "payload": payload})
