"""Releases. Readiness rules live in releases/domain/."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from delivery_portal import concurrency
from delivery_portal.strategy_guide import Strategy


class ReleaseType(models.TextChoices):
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"
    PATCH = "patch", "Patch"


class Release(models.Model):
    version = models.CharField(max_length=50, unique=True)  # semantic version, e.g. v2.5.0
    product = models.CharField(max_length=100, default="portal")
    release_type = models.CharField(max_length=10, choices=ReleaseType.choices, default=ReleaseType.MINOR)
    target_date = models.DateField()
    services = models.ManyToManyField("sla.Service", blank=True, related_name="releases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Optimistic concurrency: every edit of the release or its rollout plan bumps it.
    edit_version = concurrency.version_field()
    history = HistoricalRecords(m2m_fields=[services], excluded_fields=[concurrency.VERSION_FIELD])

    class Meta:
        ordering = ["-target_date", "-id"]
        indexes = [models.Index(fields=["product", "target_date"], name="release_product_date_idx")]

    def __str__(self):
        return self.version


class Feature(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="features")
    title = models.CharField(max_length=200)
    ticket = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    # Added or last changed after T-7 (scope already final): flagged on the release page.
    late = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title


class BugFix(models.Model):
    class Priority(models.TextChoices):
        P1 = "P1", "P1"
        P2 = "P2", "P2"
        P3 = "P3", "P3"
        P4 = "P4", "P4"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        RESOLVED = "resolved", "Resolved"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="bug_fixes")
    title = models.CharField(max_length=200)
    ticket = models.CharField(max_length=50, blank=True)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    late = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self):
        return self.title


class Dependency(models.Model):
    class Kind(models.TextChoices):
        DB_MIGRATION = "db_migration", "DB migration"
        API_VERSION = "api_version", "API version"
        SDK_UPDATE = "sdk_update", "SDK update"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="dependencies")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=300)
    late = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "id"]
        verbose_name_plural = "dependencies"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description}"


class ScopeChange(models.Model):
    """Every scope edit, so that changes after T-7 stay visible even when the item is gone."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        REMOVED = "removed", "Removed"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="scope_changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    item_kind = models.CharField(max_length=20)  # feature / bug_fix / dependency
    summary = models.CharField(max_length=300)
    late = models.BooleanField(default=False)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.action} {self.item_kind}: {self.summary}"


class Criterion(models.TextChoices):
    BUGS = "bugs", "P1/P2 bugs"
    PERFORMANCE = "performance", "Performance"
    SECURITY_SCAN = "security_scan", "Security scan"
    LOAD_TEST = "load_test", "Load test"
    UAT_SIGNOFF = "uat_signoff", "UAT sign-off"
    DOCUMENTATION = "documentation", "Documentation"
    RUNBOOK = "runbook", "Runbook"


class Evidence(models.Model):
    """What a pipeline or a person found for one exit criterion; the newest one counts."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.CharField(max_length=20, choices=Criterion.choices)
    payload = models.JSONField(default=dict)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["release", "criterion", "recorded_at"], name="evidence_newest_idx")]

    def __str__(self):
        return f"{self.release} {self.criterion} @ {self.recorded_at:%Y-%m-%d %H:%M}"


# A release's scope items by the kind named in URLs, forms and the API.
SCOPE_MODELS = {"feature": Feature, "bug_fix": BugFix, "dependency": Dependency}


class CommsKind(models.TextChoices):
    T_MINUS_7 = "t_minus_7", "T-7 scope finalised"
    T_MINUS_1 = "t_minus_1", "T-1 go/no-go decision"
    T_0 = "t_0", "T-0 release notes published"
    T_PLUS_1 = "t_plus_1", "T+1 customer notification sent"


class CommsItem(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="comms_items")
    kind = models.CharField(max_length=20, choices=CommsKind.choices)
    due_date = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when the overdue reminder went out: one reminder per item (the task is idempotent).
    reminded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["release", "kind"], name="comms_item_unique_kind")]
        indexes = [models.Index(fields=["done", "due_date"], name="comms_open_due_idx")]

    def __str__(self):
        return f"{self.release} {self.get_kind_display()}"


class RolloutPlan(models.Model):
    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="rollout_plan")
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    # Blank: the strategy guide's recommendation for the release.
    strategy = models.CharField(max_length=20, choices=Strategy.choices, blank=True)
    # Blank: the chosen strategy's standard rollback plan.
    rollback_plan = models.TextField(blank=True)
    monitoring_hours = models.PositiveIntegerField(default=24)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__isnull=True)
                | models.Q(window_end__isnull=True)
                | models.Q(window_end__gt=models.F("window_start")),
                name="rollout_window_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(monitoring_hours__gt=0), name="rollout_monitoring_positive"),
        ]

    def __str__(self):
        return f"Rollout of {self.release}"
