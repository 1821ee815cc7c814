"""Teams, services and what their SLAs are measured against."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Team(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True, help_text="Where freeze and incident notices for the team go.")
    webhook_url = models.URLField(blank=True, help_text="The team's own hook (chat, pipeline), told about its services.")
    members = models.ManyToManyField("auth.User", blank=True, related_name="teams")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Service(models.Model):
    class Tier(models.TextChoices):
        CRITICAL = "critical", "Critical"
        STANDARD = "standard", "Standard"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    # Availability target in percent, e.g. 99.9. Strictly between 0 and 100.
    sla_target = models.DecimalField(
        max_digits=7, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))]
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="services")
    p99_threshold_ms = models.PositiveIntegerField(default=500, help_text="P99 latency gate for deployments.")
    # Current deploy freeze, kept up to date by the budget recompute and by managers.
    freeze_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sla_target__gt=0) & Q(sla_target__lt=100), name="service_sla_target_between_0_and_100"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.sla_target is not None and not (Decimal("0") < self.sla_target < Decimal("100")):
            raise ValidationError({"sla_target": "The SLA target must be above 0 and below 100 (e.g. 99.9)."})


class MaintenanceWindow(models.Model):
    """Scheduled maintenance: its minutes never count against the error budget."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="maintenance_windows")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="maintenance_ends_after_start")]
        indexes = [models.Index(fields=["service", "starts_at"], name="maintenance_service_idx")]

    def __str__(self):
        return f"{self.service} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The window must end after it starts."})
