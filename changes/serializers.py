from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from delivery_portal.api.fields import IsoDateTimeField
from delivery_portal.api.serializers import PortalModelSerializer
from sla.models import Service

from .selectors.conflicts import change_conflicts
from .domain.approval import APPROVER_ROLE, QUORUM
from .domain.submission import earliest_window_start, window_problem
from .models import Approval, ChangeRequest, ChangeType, StandardChangeTemplate


@extend_schema_field(OpenApiTypes.STR)
class TextOrListField(serializers.Field):
    """Accepts a string, a number or a list of strings (joined one per line)."""

    def to_internal_value(self, data):
        if data is None:
            return ""
        if isinstance(data, list):
            if not all(isinstance(item, (str, int, float)) for item in data):
                raise serializers.ValidationError("Give a text or a list of texts.")
            return "\n".join(str(item).strip() for item in data if str(item).strip())
        if isinstance(data, (str, int, float)) and not isinstance(data, bool):
            return str(data).strip()
        raise serializers.ValidationError("Give a text or a list of texts.")

    def to_representation(self, value):
        return value


class ImpactSerializer(serializers.Serializer):
    systems = TextOrListField(required=False)
    services = serializers.SlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), many=True, required=False
    )
    users = TextOrListField(required=False)
    downtime_minutes = serializers.IntegerField(min_value=0, required=False, allow_null=True)


class ConflictSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["change", "freeze", "blackout"])
    detail = serializers.CharField()
    reference = serializers.CharField(allow_null=True)
    service = serializers.CharField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)


class ApprovalsNeededSerializer(serializers.Serializer):
    role = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class ApprovalSerializer(PortalModelSerializer):
    by = serializers.CharField(source="by.username")

    class Meta:
        model = Approval
        fields = ["by", "decision", "at", "comment"]


class ChangeSerializer(PortalModelSerializer):
    impact = ImpactSerializer(required=False)
    requester = serializers.CharField(source="requester.username", read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    conflicts = serializers.SerializerMethodField()
    template = serializers.SlugRelatedField(
        slug_field="slug", queryset=StandardChangeTemplate.objects.filter(active=True), required=False, allow_null=True
    )
    window_start = IsoDateTimeField(required=False, allow_null=True)
    window_end = IsoDateTimeField(required=False, allow_null=True)
    approvals_needed = serializers.SerializerMethodField()
    earliest_window_start = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRequest
        fields = [
            "reference", "title", "change_type", "state", "requester", "template",
            "description", "justification", "impact",
            "implementation_plan", "rollback_plan", "testing_plan",
            "window_start", "window_end", "submitted_at", "decided_at",
            "implementation_started_at", "implementation_ended_at", "reviewed_at",
            "approvals", "approvals_needed", "earliest_window_start", "conflicts", "created_at", "updated_at",
        ]
        read_only_fields = [
            "reference", "state", "requester", "submitted_at", "decided_at", "implementation_started_at",
            "implementation_ended_at", "reviewed_at", "created_at", "updated_at",
        ]
        extra_kwargs = {name: {"required": False, "allow_blank": True} for name in (
            "description", "justification", "implementation_plan", "rollback_plan", "testing_plan")}

    @extend_schema_field(ConflictSerializer(many=True))
    def get_conflicts(self, obj):
        conflicts = self.context.get("conflicts")
        found = conflicts[obj.pk] if conflicts is not None and obj.pk in conflicts else change_conflicts(obj)
        return [c.as_dict() for c in found]

    @extend_schema_field(ApprovalsNeededSerializer)
    def get_approvals_needed(self, obj):
        return {"role": APPROVER_ROLE.get(obj.change_type), "count": QUORUM[obj.change_type]}

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_earliest_window_start(self, obj):
        if obj.submitted_at is None:
            return None
        return earliest_window_start(obj.change_type, obj.submitted_at).isoformat()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["impact"] = {
            "systems": instance.impact_systems,
            "services": [s.slug for s in instance.services.all()],
            "users": instance.impact_users,
            "downtime_minutes": instance.impact_downtime_minutes,
        }
        return data

    def validate(self, attrs):
        start, end = attrs.get("window_start"), attrs.get("window_end")
        problem = window_problem(start, end)
        if problem:
            raise serializers.ValidationError({"window_end": [problem]})
        change_type = attrs.get("change_type", ChangeType.NORMAL)
        if change_type == ChangeType.STANDARD and not attrs.get("template"):
            raise serializers.ValidationError(
                {"template": ["A standard change is created from a pre-approved template: give its slug."]}
            )
        return attrs

    def to_fields(self, attrs):
        """Validated data -> keyword arguments of services.drafts.change_create/change_update."""
        attrs = dict(attrs)
        impact = attrs.pop("impact", None) or {}
        services = impact.pop("services", None)
        mapping = {"systems": "impact_systems", "users": "impact_users", "downtime_minutes": "impact_downtime_minutes"}
        for key, field in mapping.items():
            if key in impact:
                attrs[field] = impact[key]
        template = attrs.pop("template", None)
        return attrs, services, template


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
