from django import forms

from delivery_portal import concurrency

from sla.models import Service

from .models import ChangeRequest, ChangeType

DT_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DT_FORMAT, **kwargs)


class ChangeRequestForm(forms.ModelForm):
    # Optimistic concurrency: the version of the draft this form edits (delivery_portal.concurrency).
    edit_version = concurrency.version_form_field()
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), required=False, widget=forms.CheckboxSelectMultiple,
        label="Impact: services",
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "title", "change_type", "description", "justification", "impact_systems", "services", "impact_users",
            "impact_downtime_minutes", "implementation_plan", "rollback_plan", "testing_plan", "window_start", "window_end",
        ]
        labels = {
            "impact_systems": "Impact: systems",
            "impact_users": "Impact: users",
            "impact_downtime_minutes": "Impact: downtime (minutes)",
            "window_start": "Window start (UTC)",
            "window_end": "Window end (UTC)",
        }
        widgets = {
            "window_start": DateTimeLocalInput(),
            "window_end": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "justification": forms.Textarea(attrs={"rows": 2}),
            "impact_systems": forms.Textarea(attrs={"rows": 2}),
            "impact_users": forms.Textarea(attrs={"rows": 2}),
            "implementation_plan": forms.Textarea(attrs={"rows": 4}),
            "rollback_plan": forms.Textarea(attrs={"rows": 3}),
            "testing_plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, template=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window_start"].input_formats = [DT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        self.fields["window_end"].input_formats = [DT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        is_standard = template is not None or (self.instance.pk and self.instance.template_id)
        if is_standard:
            self.fields["change_type"].choices = [(ChangeType.STANDARD, "Standard")]
        else:
            self.fields["change_type"].choices = [c for c in ChangeType.choices if c[0] != ChangeType.STANDARD]
        if self.instance.pk:
            self.initial.setdefault("services", list(self.instance.services.all()))

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end <= start:
            self.add_error("window_end", "The window must end after it starts.")
        return data

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop(concurrency.VERSION_FIELD, None)
        services = data.pop("services", [])
        return data, services


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    comment = forms.CharField(label="Review notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
