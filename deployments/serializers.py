from rest_framework import serializers

from changes.models import ChangeRequest
from delivery_portal.api.fields import IsoDateTimeField
from delivery_portal.api.serializers import PortalModelSerializer
from delivery_portal.strategy_guide import Strategy
from releases.serializers import ReleaseVersionField
from sla.models import Service

from .models import (
    STRATEGY_NOT_REPORTED,
    Deployment,
    DeploymentCommit,
    DeploymentEvent,
    GateEvaluation,
    RolloutStage,
)


def _minutes(value):
    return int(value) if float(value).is_integer() else round(value, 3)


class CommitSerializer(PortalModelSerializer):
    class Meta:
        model = DeploymentCommit
        fields = ["sha", "authored_at"]


class CommitInputSerializer(serializers.Serializer):
    sha = serializers.CharField(max_length=64)
    authored_at = IsoDateTimeField()


class StageSerializer(PortalModelSerializer):
    monitor_minutes = serializers.SerializerMethodField()
    state = serializers.CharField(read_only=True, help_text="pending, shifting, monitoring, holding, passed, promoted, breached, rolled_back, skipped")

    class Meta:
        model = RolloutStage
        fields = ["index", "name", "traffic_percent", "monitor_minutes", "gates", "state", "started_at", "due_at", "finished_at"]

    def get_monitor_minutes(self, stage) -> float:
        return _minutes(stage.monitor_minutes)


class EvaluationSerializer(PortalModelSerializer):
    stage = serializers.SerializerMethodField()

    class Meta:
        model = GateEvaluation
        fields = ["at", "stage", "trigger", "decision", "error_rate", "p99_ms", "healthy", "max_error_rate",
                  "p99_threshold_ms", "reasons"]

    def get_stage(self, evaluation) -> int | None:
        return evaluation.stage.index if evaluation.stage_id else None


class EventSerializer(PortalModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DeploymentEvent
        fields = ["at", "actor", "action", "from_state", "to_state", "traffic_percent", "stage_index", "reason"]


class DeploymentSerializer(PortalModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    change = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    release = serializers.SlugRelatedField(slug_field="version", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    commits = CommitSerializer(many=True, read_only=True)
    stages = StageSerializer(many=True, read_only=True)
    reasons = serializers.ListField(source="refusal_reasons", read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id", "service", "environment", "version", "strategy", "state", "traffic_percent", "current_stage",
            "stages", "change", "release", "critical", "reason", "recorded", "flagged", "gate_violations",
            "reasons", "halt_reason", "requested_by", "started_at", "finished_at", "created_at", "commits",
        ]
        read_only_fields = fields


class DeploymentDetailSerializer(DeploymentSerializer):
    evaluations = EvaluationSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta(DeploymentSerializer.Meta):
        fields = DeploymentSerializer.Meta.fields + ["evaluations", "events"]
        read_only_fields = fields


class DeploymentCreateSerializer(serializers.Serializer):
    service = serializers.SlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    environment = serializers.CharField(max_length=50, default="production")
    version = serializers.CharField(max_length=100)
    # Not given: a rollout the portal runs is canary; a recorded one is "unknown" (not assumed).
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    commits = CommitInputSerializer(many=True, required=False, default=list)
    change = serializers.SlugRelatedField(slug_field="reference", queryset=ChangeRequest.objects.all(), required=False, allow_null=True)
    release = ReleaseVersionField(required=False, allow_null=True)  # any spelling: 2.5.0 is v2.5.0
    critical = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    started_at = IsoDateTimeField(required=False, allow_null=True)
    finished_at = IsoDateTimeField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=["succeeded", "failed", "rolled_back"], required=False, allow_null=True)

    def validate(self, data):
        if data.get("started_at") and data.get("finished_at") and data["finished_at"] < data["started_at"]:
            raise serializers.ValidationError({"finished_at": ["A deployment finishes after it starts."]})
        if not data.get("status") and (data.get("finished_at")):
            raise serializers.ValidationError({"status": ["A finished deployment needs its status."]})
        if not data.get("strategy"):
            data["strategy"] = STRATEGY_NOT_REPORTED if data.get("status") else Strategy.CANARY
        return data


class MetricsSerializer(serializers.Serializer):
    at = IsoDateTimeField(required=False)
    error_rate = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    p99_ms = serializers.FloatField(min_value=0, required=False, allow_null=True)
    healthy = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate(self, data):
        if data.get("error_rate") is None and data.get("p99_ms") is None and data.get("healthy") is None:
            raise serializers.ValidationError({"non_field_errors": ["Send at least one of error_rate, p99_ms, healthy."]})
        return data


class PromoteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PlanSerializer(serializers.Serializer):
    service = serializers.CharField()
    environment = serializers.CharField()
    version = serializers.CharField()
    strategy = serializers.CharField()
    router = serializers.CharField()
    metrics = serializers.CharField()
    stages = serializers.ListField(child=serializers.DictField())
    total_minutes = serializers.FloatField()
    gates = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())
    would_start = serializers.BooleanField()
