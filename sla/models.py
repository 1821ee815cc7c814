"""Teams, services and what their SLAs are measured against."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from delivery_portal import concurrency
from delivery_portal.outbound import validate_url


class Team(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True, help_text="Where freeze and incident notices for the team go.")
    webhook_url = models.URLField(blank=True, help_text="The team's own hook (chat, pipeline), told about its services.")
    slack_webhook_url = models.URLField(
        blank=True, validators=[validate_url],
        help_text="Slack incoming webhook of the team's channel: SEV-1/2 incidents, freezes, changes for the CAB, halted deployments.",
    )
    members = models.ManyToManyField("auth.User", blank=True, related_name="teams")
    # Optimistic concurrency (delivery_portal.concurrency): every edit of the team bumps it.
    edit_version = concurrency.version_field()
    # Membership changes are audited too (who is told about the team's services). The Slack
    # webhook URL is a secret (it alone lets anyone post in the channel): its changes are
    # recorded by name in the record's reason, never its value, since every role reads history.
    history = HistoricalRecords(m2m_fields=[members], excluded_fields=[concurrency.VERSION_FIELD, "slack_webhook_url"])

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
    # Optimistic concurrency (delivery_portal.concurrency): every edit of the service bumps it.
    edit_version = concurrency.version_field()
    history = HistoricalRecords(excluded_fields=[concurrency.VERSION_FIELD])

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
        indexes = [
            models.Index(fields=["service", "starts_at"], name="maintenance_service_idx"),
            # The budget read of every service asks for the windows that end after the period's
            # start: without this, a scan of the whole history (see README, Performance).
            models.Index(fields=["ends_at", "starts_at"], name="maintenance_period_idx"),
        ]

    def __str__(self):
        return f"{self.service} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The window must end after it starts."})


class ImpactWindow(models.Model):
    """Customer impact on one service, as the error budget counts it.

    Written by whatever knows about impact (the incidents app, through
    sla.services.impact.impact_window_sync), so that the budget needs one aggregate query over one
    table and `sla` depends on no other app.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="impact_windows")
    source_ref = models.CharField(max_length=50, help_text="What caused it, e.g. INC-2026-0042.")
    title = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Empty while the impact goes on.")
    counts_against_sla = models.BooleanField(default=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(fields=["service", "source_ref"], name="impact_window_unique_source"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")), name="impact_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["service", "started_at", "ended_at"], name="impact_service_idx"),
            # "Ended after the period's start, or still open" for all services at once (the
            # recompute, the SLA overview, the dashboard): a range plus an IS NULL on this
            # index instead of a scan of 200,000 rows (17 ms -> 0.6 ms at large scale).
            models.Index(fields=["ended_at", "started_at"], name="impact_period_idx"),
        ]

    def __str__(self):
        return f"{self.source_ref} on {self.service}"


class Freeze(models.Model):
    """A deploy freeze of one service: started by the budget recompute or by a manager."""

    class Cause(models.TextChoices):
        BUDGET = "budget", "Error budget"
        MANUAL = "manual", "Imposed by hand"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="freezes")
    cause = models.CharField(max_length=20, choices=Cause.choices)
    reason = models.TextField()
    started_at = models.DateTimeField()
    started_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    end_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # At most one open freeze per service.
            models.UniqueConstraint(fields=["service"], condition=Q(ended_at__isnull=True), name="one_open_freeze_per_service")
        ]

    def __str__(self):
        return f"{self.service} frozen since {self.started_at:%Y-%m-%d %H:%M}"


class BudgetSnapshot(models.Model):
    """A service's error budget as the recompute saw it: the history behind the charts.

    One row per service, period and hour (`taken_at` is the hour): the recompute runs every
    minute and overwrites the row of the current hour, so history stays at 24 rows a day per
    service and running the recompute again changes nothing.
    """

    class Period(models.TextChoices):
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"
        YEAR = "year", "Year"

    class Status(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        FROZEN = "frozen", "Frozen"
        EXHAUSTED = "exhausted", "Exhausted"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="budget_snapshots")
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.MONTH)
    taken_at = models.DateTimeField(help_text="The hour this snapshot stands for.")
    computed_at = models.DateTimeField(help_text="The moment (`at`) of the last computation within that hour.")
    period_start = models.DateTimeField()
    budget_minutes = models.DecimalField(max_digits=16, decimal_places=4)
    consumed_minutes = models.DecimalField(max_digits=16, decimal_places=4)
    remaining_minutes = models.DecimalField(max_digits=16, decimal_places=4)
    remaining_percent = models.DecimalField(max_digits=16, decimal_places=4)
    burn_rate = models.DecimalField(max_digits=16, decimal_places=4)
    status = models.CharField(max_length=20, choices=Status.choices)
    freeze = models.BooleanField(default=False)

    class Meta:
        ordering = ["taken_at"]
        constraints = [
            models.UniqueConstraint(fields=["service", "period", "taken_at"], name="budget_snapshot_one_per_hour")
        ]

    def __str__(self):
        return f"{self.service} {self.period} {self.taken_at:%Y-%m-%d %H:00}: {self.status}"
