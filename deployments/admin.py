from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Deployment,
    DeploymentCommit,
    DeploymentEvent,
    EnvironmentConfig,
    GateEvaluation,
    MetricSample,
    RolloutStage,
    StagePlanOverride,
    TrafficShift,
)


class CommitInline(admin.TabularInline):
    model = DeploymentCommit
    extra = 0


class StageInline(admin.TabularInline):
    model = RolloutStage
    extra = 0


@admin.register(Deployment)
class DeploymentAdmin(SimpleHistoryAdmin):
    list_display = ("id", "service", "environment", "version", "strategy", "state", "traffic_percent", "finished_at")
    list_filter = ("environment", "strategy", "state", "recorded", "flagged")
    search_fields = ("version", "service__slug")
    list_select_related = ("service",)
    raw_id_fields = ("change", "release", "requested_by")
    inlines = [CommitInline, StageInline]


@admin.register(EnvironmentConfig)
class EnvironmentConfigAdmin(SimpleHistoryAdmin):
    list_display = ("environment", "router_kind", "metrics_provider", "check_interval_seconds")


@admin.register(StagePlanOverride)
class StagePlanOverrideAdmin(SimpleHistoryAdmin):
    list_display = ("service", "environment", "strategy")
    list_select_related = ("service",)


@admin.register(DeploymentCommit)
class DeploymentCommitAdmin(admin.ModelAdmin):
    list_display = ("sha", "deployment", "authored_at")
    raw_id_fields = ("deployment",)


@admin.register(RolloutStage)
class RolloutStageAdmin(admin.ModelAdmin):
    list_display = ("deployment", "index", "traffic_percent", "monitor_minutes", "state", "due_at")
    list_filter = ("state",)
    raw_id_fields = ("deployment",)


@admin.register(TrafficShift)
class TrafficShiftAdmin(admin.ModelAdmin):
    list_display = ("deployment", "from_percent", "to_percent", "router_kind", "state", "attempts", "applied_at")
    list_filter = ("state", "router_kind")
    raw_id_fields = ("deployment", "stage", "applied_by")


@admin.register(MetricSample)
class MetricSampleAdmin(admin.ModelAdmin):
    list_display = ("deployment", "at", "source", "error_rate", "p99_ms", "healthy")
    raw_id_fields = ("deployment", "stage")


@admin.register(GateEvaluation)
class GateEvaluationAdmin(admin.ModelAdmin):
    list_display = ("deployment", "at", "trigger", "decision", "error_rate", "p99_ms", "healthy")
    list_filter = ("decision", "trigger")
    raw_id_fields = ("deployment", "stage")


@admin.register(DeploymentEvent)
class DeploymentEventAdmin(admin.ModelAdmin):
    list_display = ("deployment", "at", "actor", "action", "from_state", "to_state", "traffic_percent")
    list_filter = ("action",)
    raw_id_fields = ("deployment", "actor")
