"""Deployments: coordinated rollouts run by the portal, and ones recorded from pipelines."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Strategy(models.TextChoices):
    BLUE_GREEN = "blue_green", "Blue-green"
    CANARY = "canary", "Canary"
    ROLLING = "rolling", "Rolling"
    BIG_BANG = "big_bang", "Big bang"


class DeploymentState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    HOLDING = "holding", "Holding (no data)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"
    REFUSED = "refused", "Refused"


class Deployment(models.Model):
    service = models.ForeignKey("sla.Service", on_delete=models.PROTECT, related_name="deployments")
    environment = models.CharField(max_length=50, default="production")
    version = models.CharField(max_length=100)
    strategy = models.CharField(max_length=20, choices=Strategy.choices, default=Strategy.CANARY)
    state = models.CharField(max_length=20, choices=DeploymentState.choices, default=DeploymentState.RUNNING)
    traffic_percent = models.PositiveSmallIntegerField(default=0)
    change = models.ForeignKey("changes.ChangeRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="deployments")
    release = models.ForeignKey("releases.Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="deployments")
    critical = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    # True for a deployment a pipeline reports after the fact (with a status).
    recorded = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["environment", "state", "finished_at"], name="deployment_dora_idx"),
            models.Index(fields=["service", "environment", "finished_at"], name="deployment_service_idx"),
        ]

    def __str__(self):
        return f"{self.service} {self.version} → {self.environment}"


class DeploymentCommit(models.Model):
    """A commit shipped by a deployment; lead time for changes is measured from `authored_at`."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=64)
    authored_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deployment", "sha"], name="deployment_commit_unique")]

    def __str__(self):
        return self.sha[:12]
