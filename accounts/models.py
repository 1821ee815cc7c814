"""People's links to the outside: their Slack member ID, their identity at the IdP, and the
roles single sign-on gave or took away."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Profile(models.Model):
    """What a person sets about themselves (the profile page, `/api/v1/me/`)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    # Slack member ID (U012AB3CD): the slash commands act as this user. Unique when set.
    slack_user_id = models.CharField(max_length=32, null=True, blank=True, unique=True)
    history = HistoricalRecords()

    def __str__(self):
        return f"profile of {self.user}"


class OidcIdentity(models.Model):
    """The IdP's subject for a user: sign-ins find the user by it, never by a name or an
    e-mail the IdP might let people change."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")]
        verbose_name_plural = "OIDC identities"

    def __str__(self):
        return f"{self.subject} at {self.issuer}"


class RoleChange(models.Model):
    """A role given or taken by single sign-on (the audit trail of role mapping)."""

    class Action(models.TextChoices):
        ADDED = "added"
        REMOVED = "removed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_changes")
    role = models.CharField(max_length=50)
    action = models.CharField(max_length=10, choices=Action.choices)
    source = models.CharField(max_length=50, default="sso")
    # The IdP groups the person had at that sign-in (why the role changed).
    groups = models.JSONField(default=list)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.action} {self.role} ({self.source})"
