"""Deployments: coordinated rollouts run by the portal, and ones recorded from pipelines."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from delivery_portal.strategy_guide import Strategy

# A deployment a pipeline reported without saying how it rolled out: never assumed canary (or
# anything else), so it proves no strategy. Only recorded deployments have it; a rollout the
# portal runs always has one of Strategy.
STRATEGY_NOT_REPORTED = "unknown"
DEPLOYMENT_STRATEGIES = [*Strategy.choices, (STRATEGY_NOT_REPORTED, "Not reported")]


class DeploymentState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    HOLDING = "holding", "Holding (no data)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"
    REFUSED = "refused", "Refused"


ACTIVE_STATES = (DeploymentState.RUNNING, DeploymentState.PAUSED, DeploymentState.HOLDING)


class Deployment(models.Model):
    service = models.ForeignKey("sla.Service", on_delete=models.PROTECT, related_name="deployments")
    environment = models.CharField(max_length=50, default="production")
    version = models.CharField(max_length=100)
    strategy = models.CharField(max_length=20, choices=DEPLOYMENT_STRATEGIES, default=Strategy.CANARY)
    state = models.CharField(max_length=20, choices=DeploymentState.choices, default=DeploymentState.RUNNING)
    traffic_percent = models.PositiveSmallIntegerField(default=0)
    change = models.ForeignKey("changes.ChangeRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="deployments")
    release = models.ForeignKey("releases.Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="deployments")
    critical = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    # True for a deployment a pipeline reports after the fact (with a status).
    recorded = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Index of the stage in progress (None before the first and after the last).
    current_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    # Gates a recorded deployment was made against (it is never refused, only flagged).
    flagged = models.BooleanField(default=False)
    gate_violations = models.JSONField(default=list, blank=True)
    # Why a requested rollout was refused; why it halted.
    refusal_reasons = models.JSONField(default=list, blank=True)
    halt_reason = models.TextField(blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["environment", "state", "finished_at"], name="deployment_dora_idx"),
            models.Index(fields=["service", "environment", "finished_at"], name="deployment_service_idx"),
            # Active deployments, newest first (dashboard panel): a few rows of 200,000.
            models.Index(
                models.F("created_at").desc(),
                condition=models.Q(state__in=["running", "paused", "holding"]),
                name="deployment_active_idx",
            ),
        ]

    def __str__(self):
        return f"{self.service} {self.version} → {self.environment}"

    @property
    def is_active(self):
        return self.state in ACTIVE_STATES

    def clean(self):
        from .domain import canonical_environment

        self.environment = canonical_environment(self.environment)  # services write it so; the admin too


class DeploymentCommit(models.Model):
    """A commit shipped by a deployment; lead time for changes is measured from `authored_at`."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=64)
    authored_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deployment", "sha"], name="deployment_commit_unique")]

    def __str__(self):
        return self.sha[:12]


# --- Rollout engine ---------------------------------------------------------------------
class RouterKind(models.TextChoices):
    MANUAL = "manual", "Manual (a person confirms each shift)"
    WEBHOOK = "webhook", "Webhook (signed JSON POST)"
    NGINX = "nginx", "nginx (weighted upstream file + reload)"


class MetricsProvider(models.TextChoices):
    PUSH = "push", "Push (POST …/metrics/)"
    PROMETHEUS = "prometheus", "Prometheus (PromQL)"


class EnvironmentConfig(models.Model):
    """How one environment moves traffic and where its metrics come from.

    router_settings:  webhook {"url", "secret"?}; nginx {"upstream_file", "upstream_name",
                      "stable_servers": [...], "canary_servers": [...], "reload_command": [...]}.
    metrics_settings: prometheus {"url", "queries": {"error_rate", "p99_ms", "healthy"}}
                      (queries may use ${service}, ${version}, ${environment}).
    """

    environment = models.CharField(max_length=50, unique=True)
    router_kind = models.CharField(max_length=20, choices=RouterKind.choices, default=RouterKind.MANUAL)
    router_settings = models.JSONField(default=dict, blank=True)
    metrics_provider = models.CharField(max_length=20, choices=MetricsProvider.choices, default=MetricsProvider.PUSH)
    metrics_settings = models.JSONField(default=dict, blank=True)
    check_interval_seconds = models.PositiveIntegerField(default=60, help_text="How often pulled metrics are checked.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["environment"]

    def __str__(self):
        return f"{self.environment}: {self.router_kind} / {self.metrics_provider}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .domain import canonical_environment

        self.environment = canonical_environment(self.environment)  # as deployments name it
        errors = {}
        router, metrics = self.router_settings or {}, self.metrics_settings or {}
        if self.router_kind == RouterKind.WEBHOOK and not router.get("url"):
            errors["router_settings"] = 'The webhook router needs {"url": "https://..."} (and optionally "secret").'
        if self.router_kind == RouterKind.NGINX:
            missing = [k for k in ("upstream_file", "stable_servers", "canary_servers") if not router.get(k)]
            if missing:
                errors["router_settings"] = f"The nginx router needs {', '.join(missing)} (and usually reload_command)."
        if self.metrics_provider == MetricsProvider.PROMETHEUS:
            if not metrics.get("url"):
                errors["metrics_settings"] = 'Prometheus needs {"url": "http://prometheus:9090"}.'
            unknown = set(metrics.get("queries") or {}) - {"error_rate", "p99_ms", "healthy"}
            if unknown:
                errors["metrics_settings"] = f"Unknown queries: {', '.join(sorted(unknown))} (error_rate, p99_ms, healthy)."
        if errors:
            raise ValidationError(errors)


class StagePlanOverride(models.Model):
    """Stages of one strategy for one service in one environment, instead of the defaults.

    stages: [{"traffic_percent": 5, "monitor_minutes": 30}, ...], ending at 100.
    """

    service = models.ForeignKey("sla.Service", on_delete=models.CASCADE, related_name="stage_plans")
    environment = models.CharField(max_length=50, default="production")
    strategy = models.CharField(max_length=20, choices=Strategy.choices, default=Strategy.CANARY)
    stages = models.JSONField()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "environment", "strategy"], name="stage_plan_override_unique")
        ]

    def __str__(self):
        return f"{self.service} {self.environment} {self.strategy}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .domain import canonical_environment, validate_stage_list

        self.environment = canonical_environment(self.environment)  # as deployments name it
        problems = validate_stage_list(self.stages)
        if problems:
            raise ValidationError({"stages": problems})


class StageState(models.TextChoices):
    PENDING = "pending", "Pending"
    SHIFTING = "shifting", "Moving traffic"
    MONITORING = "monitoring", "Monitoring"
    HOLDING = "holding", "Holding (no data)"
    PASSED = "passed", "Passed"
    PROMOTED = "promoted", "Promoted early"
    BREACHED = "breached", "Breached"
    ROLLED_BACK = "rolled_back", "Rolled back"
    SKIPPED = "skipped", "Skipped"


# A stage whose traffic has moved and whose gates are being watched (or waiting for data).
OPEN_STAGE_STATES = (StageState.MONITORING, StageState.HOLDING)


class RolloutStage(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="stages")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    traffic_percent = models.PositiveSmallIntegerField()
    monitor_minutes = models.FloatField()
    gates = models.JSONField(default=list)
    state = models.CharField(max_length=20, choices=StageState.choices, default=StageState.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deployment", "index"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "index"], name="rollout_stage_unique_index"),
            models.CheckConstraint(condition=models.Q(traffic_percent__lte=100), name="rollout_stage_percent_max_100"),
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="rollout_stage_due_idx")]

    def __str__(self):
        return f"{self.deployment_id} stage {self.index + 1}: {self.traffic_percent}%"


class TrafficShift(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="shifts")
    stage = models.ForeignKey(RolloutStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts")
    from_percent = models.PositiveSmallIntegerField()
    to_percent = models.PositiveSmallIntegerField()
    router_kind = models.CharField(max_length=20, choices=RouterKind.choices)
    is_rollback = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.from_percent}% → {self.to_percent}% ({self.state})"


class MetricSample(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="samples")
    stage = models.ForeignKey(RolloutStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="samples")
    at = models.DateTimeField()
    source = models.CharField(max_length=20, choices=MetricsProvider.choices)
    error_rate = models.FloatField(null=True, blank=True)
    p99_ms = models.FloatField(null=True, blank=True)
    healthy = models.BooleanField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["deployment", "at"], name="metric_sample_idx")]


class GateEvaluation(models.Model):
    class Decision(models.TextChoices):
        PASS = "pass", "Pass"
        BREACH = "breach", "Breach"
        NO_DATA = "no_data", "No data"

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="evaluations")
    stage = models.ForeignKey(RolloutStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations")
    at = models.DateTimeField()
    trigger = models.CharField(max_length=30, help_text="sample, stage_end, poll")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    error_rate = models.FloatField(null=True, blank=True)
    p99_ms = models.FloatField(null=True, blank=True)
    healthy = models.BooleanField(null=True, blank=True)
    max_error_rate = models.FloatField()
    p99_threshold_ms = models.FloatField()
    checks = models.JSONField(default=list)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["deployment", "at"], name="gate_evaluation_idx")]


class DeploymentEvent(models.Model):
    """Who did what to a deployment, and what the engine did on its own (actor empty)."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    traffic_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    stage_index = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
