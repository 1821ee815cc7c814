from django import forms

from . import domain


class ProfileForm(forms.Form):
    email = forms.EmailField(required=False, label="E-mail", max_length=254)
    slack_user_id = forms.CharField(
        required=False, max_length=32, label="Slack member ID",
        help_text="In Slack: your profile, ⋮ (More), \"Copy member ID\" (looks like U012AB3CD). "
                  "The /incident command then acts as you.",
    )

    def clean_slack_user_id(self):
        value = (self.cleaned_data.get("slack_user_id") or "").strip().upper()
        problem = domain.slack_member_id_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value
