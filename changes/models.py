"""Change requests. Rules (approval, lead time, transitions) live in changes/domain/."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from delivery_portal import concurrency


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard"
    NORMAL = "normal", "Normal"
    EXPEDITED = "expedited", "Expedited"
    EMERGENCY = "emergency", "Emergency"


class ChangeState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    IMPLEMENTING = "implementing", "Implementing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REVIEWED = "reviewed", "Reviewed"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class ChangeRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True)  # CHG-YYYY-NNNN
    title = models.CharField(max_length=200)
    change_type = models.CharField(max_length=20, choices=ChangeType.choices, default=ChangeType.NORMAL)
    state = models.CharField(max_length=20, choices=ChangeState.choices, default=ChangeState.DRAFT)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_requests")
    description = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    impact_systems = models.TextField(blank=True)
    impact_users = models.TextField(blank=True)
    impact_downtime_minutes = models.PositiveIntegerField(null=True, blank=True)
    services = models.ManyToManyField("sla.Service", blank=True, related_name="changes")
    implementation_plan = models.TextField(blank=True)
    rollback_plan = models.TextField(blank=True)
    testing_plan = models.TextField(blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    template = models.ForeignKey(
        "changes.StandardChangeTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    implementation_started_at = models.DateTimeField(null=True, blank=True)
    implementation_ended_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_notes = models.TextField(blank=True)
    review_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency (delivery_portal.concurrency): every draft edit bumps it.
    edit_version = concurrency.version_field()
    history = HistoricalRecords(m2m_fields=[services], excluded_fields=[concurrency.VERSION_FIELD])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__isnull=True) | Q(window_start__isnull=True) | Q(window_end__gt=models.F("window_start")),
                name="change_window_ends_after_start",
            )
        ]
        indexes = [
            models.Index(fields=["state", "window_start"], name="change_state_window_idx"),
            models.Index(fields=["window_start", "window_end"], name="change_window_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def implemented_at(self):
        """When the work was done (the end of implementation, or its start while it runs)."""
        return self.implementation_ended_at or self.implementation_started_at


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class Approval(models.Model):
    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="approvals")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_approvals")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["change", "by"], name="one_decision_per_user_per_change"),
            models.CheckConstraint(
                condition=~Q(decision="reject") | ~Q(comment=""), name="rejection_needs_comment"
            ),
        ]

    def __str__(self):
        return f"{self.change.reference}: {self.decision} by {self.by}"


class StandardChangeTemplate(models.Model):
    """A pre-approved change: changes created from it need no approval."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    justification = models.TextField(blank=True)
    impact_systems = models.TextField(blank=True)
    impact_users = models.TextField(blank=True)
    impact_downtime_minutes = models.PositiveIntegerField(default=0)
    services = models.ManyToManyField("sla.Service", blank=True, related_name="standard_change_templates")
    implementation_plan = models.TextField()
    rollback_plan = models.TextField()
    testing_plan = models.TextField()
    default_duration_minutes = models.PositiveIntegerField(default=60)
    active = models.BooleanField(default=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class BlackoutWindow(models.Model):
    """A period when no changes go out: organisation-wide (no services) or for some services."""

    title = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    services = models.ManyToManyField("sla.Service", blank=True, related_name="blackout_windows")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="blackout_ends_after_start")
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="blackout_window_idx")]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d})"


class ChangeComment(models.Model):
    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.change.reference} comment by {self.author}"


class CalendarFeedToken(models.Model):
    """A per-user secret for the iCalendar feed URL (calendar clients cannot log in)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="change_feed_token")
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"feed token of {self.user}"
