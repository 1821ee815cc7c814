from django import forms
from django.contrib.auth import get_user_model

from delivery_portal import concurrency
from delivery_portal.widgets import PkUsernameChoices, QuickSelectMultiple, plain_choices

from .domain import team_rules
from .models import MaintenanceWindow, Service, Team
from .serializers import TARGET_MESSAGE

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class ServiceForm(forms.ModelForm):
    # Optimistic concurrency: the version of the service this form edits (delivery_portal.concurrency).
    edit_version = concurrency.version_form_field()

    class Meta:
        model = Service
        fields = ["slug", "name", "tier", "sla_target", "team", "p99_threshold_ms"]
        labels = {"sla_target": "SLA target (%)", "p99_threshold_ms": "P99 threshold (ms)"}
        help_texts = {"sla_target": "Availability target in percent, above 0 and below 100, e.g. 99.9."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sla_target"].widget.attrs.update({"step": "0.0001", "min": "0.0001", "max": "99.9999"})
        if self.instance.pk:  # the slug is the service's address (API, tools): fixed once made
            self.fields["slug"].disabled = True

    def clean_sla_target(self):
        value = self.cleaned_data["sla_target"]
        if value is not None and not (0 < value < 100):
            raise forms.ValidationError(TARGET_MESSAGE)
        return value


class MaintenanceWindowForm(forms.ModelForm):
    class Meta:
        model = MaintenanceWindow
        fields = ["starts_at", "ends_at", "reason"]
        labels = {"starts_at": "Starts", "ends_at": "Ends"}
        widgets = {"starts_at": DateTimeLocalInput(), "ends_at": DateTimeLocalInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The window must end after it starts.")
        return data

    def _post_clean(self):
        # The model's own clean() repeats the end-after-start rule; keep one message.
        if not self.has_error("ends_at"):
            super()._post_clean()


class FreezeForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MaintenanceRemoveForm(forms.Form):
    reason = forms.CharField(max_length=90, help_text="Why the window is removed (kept in its history).")


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class TeamForm(forms.ModelForm):
    # Optimistic concurrency: the version of the team this form edits (delivery_portal.concurrency).
    edit_version = concurrency.version_form_field()
    webhook_url = forms.URLField(required=False, max_length=200, assume_scheme="https", label="Webhook URL",
                                 help_text=Team._meta.get_field("webhook_url").help_text)
    # Checked by the model's validator (delivery_portal.outbound.validate_url) when the form is.
    slack_webhook_url = forms.URLField(required=False, max_length=200, assume_scheme="https", label="Slack webhook URL",
                                       help_text=Team._meta.get_field("slack_webhook_url").help_text)
    members = forms.ModelMultipleChoiceField(
        queryset=active_users(), required=False, widget=QuickSelectMultiple(attrs={"size": 6}),
        help_text="Told about incidents on the team's services. Ctrl/Cmd-click to choose several.",
    )

    class Meta:
        model = Team
        fields = ["slug", "name", "email", "webhook_url", "slack_webhook_url", "members"]
        labels = {"email": "E-mail"}
        help_texts = {"slug": "Letters, digits, hyphens: the team's address (API, SLA filter)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_choices(self.fields["members"], PkUsernameChoices)
        if self.instance.pk is None:
            del self.fields[concurrency.VERSION_FIELD]  # a new team has no version to check yet

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        problem = team_rules.team_slug_problem(slug, taken=Team.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists())
        if problem:
            raise forms.ValidationError(problem)
        return slug
