"""Incidents. Clocks and the transition table live in incidents/domain.py."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Severity(models.TextChoices):
    SEV1 = "SEV-1", "SEV-1"
    SEV2 = "SEV-2", "SEV-2"
    SEV3 = "SEV-3", "SEV-3"
    SEV4 = "SEV-4", "SEV-4"


class IncidentState(models.TextChoices):
    DETECT = "detect", "Detect"
    TRIAGE = "triage", "Triage"
    RESPOND = "respond", "Respond"
    RESOLVE = "resolve", "Resolve"
    REVIEW = "review", "Review"
    CLOSED = "closed", "Closed"


class Incident(models.Model):
    reference = models.CharField(max_length=20, unique=True)  # INC-YYYY-NNNN
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    state = models.CharField(max_length=20, choices=IncidentState.choices, default=IncidentState.DETECT)
    services = models.ManyToManyField("sla.Service", related_name="incidents")
    commander = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="commanded_incidents")
    counts_against_sla = models.BooleanField(default=True)
    impact_started_at = models.DateTimeField()
    impact_ended_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    caused_by_deployment = models.ForeignKey(
        "deployments.Deployment", null=True, blank=True, on_delete=models.SET_NULL, related_name="caused_incidents"
    )
    caused_by_change = models.ForeignKey(
        "changes.ChangeRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="caused_incidents"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["-detected_at"]
        indexes = [
            models.Index(fields=["state", "severity"], name="incident_state_sev_idx"),
            models.Index(fields=["impact_started_at", "impact_ended_at"], name="incident_impact_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"
