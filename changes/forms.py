from django import forms

from delivery_portal import concurrency

from sla.models import Service

from .domain.standard import TEMPLATE_FIXED_FIELDS, template_deviations
from .models import ChangeRequest, ChangeType
from .services.drafts import template_values

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
        if template is None and self.instance.pk and self.instance.template_id:
            template = self.instance.template
        self.template = template
        if template is not None:
            self.fields["change_type"].choices = [(ChangeType.STANDARD, "Standard")]
        else:
            self.fields["change_type"].choices = [c for c in ChangeType.choices if c[0] != ChangeType.STANDARD]
        if self.instance.pk:
            self.initial.setdefault("services", list(self.instance.services.all()))
        if template is not None:
            self._follow_template(template)

    def _follow_template(self, template):
        """A standard change is pre-approved as its template defines it (changes/domain/standard.py):
        the plans are shown read-only with the template's text, the services limited to the
        template's (when it names any)."""
        values = template_values(template)
        for name in TEMPLATE_FIXED_FIELDS:
            field = self.fields[name]
            field.disabled = True  # a posted value is not taken; clean() refuses a different one
            field.help_text = f"From the standard-change template {template.title!r} (pre-approved as written)."
            self.initial[name] = values[name]
        allowed = list(template.services.all())
        if allowed:
            services = self.fields["services"]
            services.queryset = services.queryset.filter(pk__in=[s.pk for s in allowed])
            services.help_text = f"The template is pre-approved for {', '.join(s.slug for s in allowed)} only."
            services.error_messages["invalid_choice"] = (
                f"The template {template.slug!r} is pre-approved for {', '.join(s.slug for s in allowed)} only; "
                "request a normal change for other services."
            )

    def clean(self):
        data = super().clean()
        if self.template is not None:
            # The read-only plans: a different text posted anyway is refused, naming the field.
            sent = {name: self.data.get(self.add_prefix(name)) for name in TEMPLATE_FIXED_FIELDS}
            problems = template_deviations(
                template_name=self.template.slug, template_values=template_values(self.template), values=sent
            )
            for name, messages in problems.items():
                self.add_error(name, messages)
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
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")],
        error_messages={"required": "Choose approve or reject.", "invalid_choice": "Choose approve or reject."},
    )
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    comment = forms.CharField(label="Review notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
