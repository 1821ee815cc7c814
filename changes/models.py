"""Change requests. Rules (approval, lead time, transitions) live in changes/domain.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[services])

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
