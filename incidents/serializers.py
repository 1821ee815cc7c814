from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from changes.models import ChangeRequest
from delivery_portal.api.fields import IsoDateTimeField
from delivery_portal.api.serializers import PortalModelSerializer
from deployments.models import Deployment
from sla.models import Service

from . import domain
from .models import ActionItem, Incident, PostMortem, TimelineEntry, TimelineKind
from .selectors import incident_clocks

TRANSITION_TARGETS = domain.TARGET_STATES


class IncidentSerializer(PortalModelSerializer):
    services = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    commander = serializers.SlugRelatedField(slug_field="username", read_only=True)
    caused_by_change = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    caused_by_deployment = serializers.PrimaryKeyRelatedField(read_only=True)
    response_due_at = serializers.SerializerMethodField()
    resolution_due_at = serializers.SerializerMethodField()
    response_breached = serializers.SerializerMethodField()
    resolution_breached = serializers.SerializerMethodField()
    next_update_due_at = serializers.SerializerMethodField()
    postmortem_due_at = serializers.SerializerMethodField()
    postmortem_completed_at = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "reference", "title", "summary", "severity", "state", "services", "commander", "counts_against_sla",
            "impact_started_at", "impact_ended_at", "detected_at", "acknowledged_at", "resolved_at",
            "response_due_at", "resolution_due_at", "response_breached", "resolution_breached",
            "next_update_due_at", "postmortem_due_at", "postmortem_completed_at",
            "caused_by_deployment", "caused_by_change", "created_at", "updated_at", "edit_version",
        ]
        read_only_fields = fields

    def _clocks(self, obj):
        cached = getattr(obj, "_api_clocks", None)
        if cached is None:
            cached = obj._api_clocks = incident_clocks(obj, at=self.context.get("at"))
        return cached

    def _dt(self, value):
        return IsoDateTimeField().to_representation(value)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_response_due_at(self, obj):
        return self._dt(self._clocks(obj).response_due_at)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_resolution_due_at(self, obj):
        return self._dt(self._clocks(obj).resolution_due_at)

    def get_response_breached(self, obj) -> bool:
        return self._clocks(obj).response_breached

    def get_resolution_breached(self, obj) -> bool:
        return self._clocks(obj).resolution_breached

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_next_update_due_at(self, obj):
        return self._dt(self._clocks(obj).next_update_due_at)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_postmortem_due_at(self, obj):
        return self._dt(self._clocks(obj).postmortem_due_at)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_postmortem_completed_at(self, obj):
        return self._dt(getattr(obj, "pm_completed_at", None))


class IncidentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=domain.SEVERITIES)
    services = serializers.SlugRelatedField(slug_field="slug", many=True, queryset=Service.objects.all(), allow_empty=False)
    impact_started_at = IsoDateTimeField()
    detected_at = IsoDateTimeField(required=False)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    counts_against_sla = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        detected = attrs.get("detected_at")
        if detected and detected < attrs["impact_started_at"]:
            raise serializers.ValidationError({"detected_at": ["Detection cannot be before the impact started."]})
        return attrs


class IncidentPatchSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=domain.SEVERITIES, required=False)
    services = serializers.SlugRelatedField(slug_field="slug", many=True, queryset=Service.objects.all(), required=False, allow_empty=False)
    counts_against_sla = serializers.BooleanField(required=False)
    caused_by_deployment = serializers.PrimaryKeyRelatedField(queryset=Deployment.objects.all(), required=False, allow_null=True)
    caused_by_change = serializers.SlugRelatedField(slug_field="reference", queryset=ChangeRequest.objects.all(), required=False, allow_null=True)
    # Corrections of recorded times (kept in the audit trail with `reason`).
    impact_started_at = IsoDateTimeField(required=False)
    impact_ended_at = IsoDateTimeField(required=False, allow_null=True)
    detected_at = IsoDateTimeField(required=False)
    acknowledged_at = IsoDateTimeField(required=False, allow_null=True)
    resolved_at = IsoDateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TimelineEntrySerializer(PortalModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    at = IsoDateTimeField(required=False)
    kind = serializers.ChoiceField(choices=TimelineKind.choices)
    html = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "text", "html", "author", "created_at", "edited_at"]
        read_only_fields = ["id", "html", "author", "created_at", "edited_at"]

    def get_html(self, obj) -> str:
        return str(obj.html)


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=TRANSITION_TARGETS)
    at = IsoDateTimeField(required=False)
    commander = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    impact_ended_at = IsoDateTimeField(required=False, allow_null=True)


class ActionItemSerializer(PortalModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "title", "owner", "due_date", "status"]


class PostMortemSerializer(PortalModelSerializer):
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = PostMortem
        fields = [
            "summary", "impact", "root_cause", "contributing_factors", "went_well", "went_badly",
            "completed_at", "action_items", "edit_version",
        ]
        read_only_fields = ["edit_version"]
