from django import forms
from django.contrib.auth import get_user_model

from delivery_portal import concurrency
from delivery_portal.widgets import PkNameChoices, QuickSelectMultiple, plain_choices

from sla.models import Service

from . import domain
from .models import ActionItem, PostMortem, TimelineKind

DT = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S")
SEVERITY_CHOICES = [(s, f"{s} — {domain.SEVERITY_TARGETS[s].criteria}") for s in domain.SEVERITIES]


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class IncidentOpenForm(forms.Form):
    title = forms.CharField(max_length=200)
    severity = forms.ChoiceField(choices=SEVERITY_CHOICES, initial=domain.SEV2)
    services = forms.ModelMultipleChoiceField(queryset=Service.objects.order_by("name"), widget=forms.CheckboxSelectMultiple)
    impact_started_at = forms.DateTimeField(widget=DT, help_text="UTC. When customers started to be affected.")
    detected_at = forms.DateTimeField(widget=DT, required=False, help_text="UTC. Leave empty for now.")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="Markdown.")
    counts_against_sla = forms.TypedChoiceField(
        choices=[("", "By severity (SEV-1/2 count)"), ("yes", "Counts against the SLA"), ("no", "Does not count")],
        required=False,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )

    def clean(self):
        data = super().clean()
        started, detected = data.get("impact_started_at"), data.get("detected_at")
        if started and detected and detected < started:
            self.add_error("detected_at", "Detection cannot be before the impact started.")
        return data


class TimelineEntryForm(forms.Form):
    kind = forms.ChoiceField(choices=TimelineKind.choices, initial=TimelineKind.NOTE)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What happened, what you did, what you decided (Markdown)"}))
    at = forms.DateTimeField(widget=DT, required=False, help_text="UTC. Leave empty for now.")


class TimelineEditForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))


class DetailsForm(concurrency.VersionedForm):
    """Title, summary and affected services, as the facts become clearer (an incident opened
    from an alert that named no known service gets its services here)."""

    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                              help_text="What is affected and what is known so far.")
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), widget=QuickSelectMultiple(attrs={"size": 8}),
        help_text="Ctrl/Cmd-click to choose several. Their error budgets are charged for the impact.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_choices(self.fields["services"], PkNameChoices)


class SeverityForm(concurrency.VersionedForm):
    severity = forms.ChoiceField(choices=SEVERITY_CHOICES)


class CommanderForm(forms.Form):
    commander = UserChoiceField(queryset=active_users())


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=[(s, s) for s in domain.TARGET_STATES])
    commander = UserChoiceField(queryset=active_users(), required=False)
    impact_ended_at = forms.DateTimeField(widget=DT, required=False)
    at = forms.DateTimeField(widget=DT, required=False)


class CorrectTimesForm(forms.Form):
    impact_started_at = forms.DateTimeField(widget=DT)
    detected_at = forms.DateTimeField(widget=DT)
    impact_ended_at = forms.DateTimeField(widget=DT, required=False)
    acknowledged_at = forms.DateTimeField(widget=DT, required=False)
    resolved_at = forms.DateTimeField(widget=DT, required=False)
    reason = forms.CharField(max_length=300, help_text="Why the recorded times were wrong (kept in the audit trail).")


class PostMortemForm(forms.ModelForm):
    # Optimistic concurrency: the version of the post-mortem this form edits (delivery_portal.concurrency).
    edit_version = concurrency.version_form_field()

    class Meta:
        model = PostMortem
        fields = ["summary", "impact", "root_cause", "contributing_factors", "went_well", "went_badly"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}
        labels = {"went_well": "What went well", "went_badly": "What went badly"}


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=300)
    owner = UserChoiceField(queryset=active_users())
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ActionItemStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItem.Status.choices)
