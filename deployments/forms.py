from django import forms
from django.urls import reverse_lazy

from changes.models import ChangeRequest
from delivery_portal.strategy_guide import QUESTIONS, Strategy
from releases.selectors import release_by_version
from sla.models import Service


class StartDeploymentForm(forms.Form):
    # Choosing a service asks for the strategy guide's recommendation in place (htmx); without
    # JavaScript the "Recommend a strategy" button does the same with a full page.
    service = forms.ModelChoiceField(
        queryset=Service.objects.order_by("name"), to_field_name="slug",
        widget=forms.Select(attrs={
            "hx-get": reverse_lazy("deployments:start"), "hx-trigger": "change", "hx-target": "#strategy-guide",
            "hx-swap": "outerHTML", "hx-include": "#id_release",
        }),
    )
    environment = forms.CharField(max_length=50, initial="production")
    version = forms.CharField(max_length=100)
    strategy = forms.ChoiceField(choices=Strategy.choices, initial=Strategy.CANARY)
    change = forms.CharField(max_length=20, required=False, help_text="A change reference, e.g. CHG-2026-0042.")
    release = forms.CharField(max_length=50, required=False, help_text="A release version, e.g. v2.5.0.")
    critical = forms.BooleanField(required=False, help_text="Critical deployments may run during a freeze (with a reason).")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_change(self):
        reference = self.cleaned_data["change"].strip()
        if not reference:
            return None
        change = ChangeRequest.objects.filter(reference=reference).first()
        if change is None:
            raise forms.ValidationError(f"No change {reference}.")
        return change

    def clean_release(self):
        version = self.cleaned_data["release"].strip()
        if not version:
            return None
        release = release_by_version(version)  # any spelling: 2.5.0 is v2.5.0
        if release is None:
            raise forms.ValidationError(f"No release {version}.")
        return release


class GuideForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, question in QUESTIONS.items():
            self.fields[key] = forms.BooleanField(label=question, required=False)


class PromoteForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Promoting early needs a reason."})


class ReasonForm(forms.Form):
    """The optional reason of a pause, a resume, a rollback (recorded on the rollout's event)."""

    reason = forms.CharField(max_length=2000, required=False)


class ConfirmForm(forms.Form):
    """Nothing to fill in: a person confirms that they moved the traffic (manual router)."""
