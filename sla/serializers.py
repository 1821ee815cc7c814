from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from rest_framework import serializers

from delivery_portal import roles
from delivery_portal.api.fields import IsoDateTimeField
from delivery_portal.api.serializers import PortalModelSerializer

from .domain import error_budget, periods
from .models import Freeze, MaintenanceWindow, Service, Team

TARGET_MESSAGE = "The SLA target must be above 0 and below 100 (e.g. 99.9)."


class ServiceSerializer(PortalModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Service
        fields = ["slug", "name", "tier", "sla_target", "team", "p99_threshold_ms", "freeze_active", "edit_version"]
        read_only_fields = ["freeze_active", "edit_version"]

    def validate_sla_target(self, value):
        if not (0 < value < 100):
            raise serializers.ValidationError(TARGET_MESSAGE)
        return value


class BudgetQuerySerializer(serializers.Serializer):
    """?period=month|quarter|year&at=<timestamp> of the budget endpoint."""

    period = serializers.ChoiceField(
        choices=periods.PERIODS,
        default="month",
        error_messages={"invalid_choice": "Unknown period \"{input}\": use month, quarter or year."},
    )
    at = serializers.DateTimeField(
        required=False,
        error_messages={"invalid": "Not a timestamp: use ISO 8601, e.g. 2026-11-18T02:24:00+00:00."},
    )


class BudgetSerializer(serializers.Serializer):
    """The contract's budget answer (for the schema); the data is ServiceBudget.as_dict()."""

    service = serializers.CharField()
    period = serializers.ChoiceField(choices=periods.PERIODS)
    period_start = IsoDateTimeField()
    period_end = IsoDateTimeField()
    sla_target = serializers.CharField()
    budget_minutes = serializers.FloatField()
    consumed_minutes = serializers.FloatField()
    remaining_minutes = serializers.FloatField()
    remaining_percent = serializers.FloatField()
    burn_rate = serializers.FloatField()
    freeze = serializers.BooleanField()
    status = serializers.ChoiceField(choices=error_budget.STATUSES)


class MaintenanceWindowSerializer(PortalModelSerializer):
    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        error_messages={"does_not_exist": "No service with the slug \"{value}\"."},
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MaintenanceWindow
        fields = ["id", "service", "starts_at", "ends_at", "reason", "created_by"]
        read_only_fields = ["id", "created_by"]

    def validate(self, attrs):
        starts_at, ends_at = attrs.get("starts_at"), attrs.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            raise serializers.ValidationError({"ends_at": ["The window must end after it starts."]})
        return attrs


class FreezeSerializer(PortalModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    ended_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Freeze
        fields = ["id", "service", "cause", "reason", "started_at", "started_by", "ended_at", "ended_by", "end_reason"]


class FreezeActionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TeamSerializer(PortalModelSerializer):
    """A team: members by username; `services_count` and `edit_version` are read-only.

    The slug's uniqueness (and reserved slugs) is checked by sla.services with the message
    pages show, so DRF's own unique validator is left out.
    """

    slug = serializers.SlugField(max_length=50)
    members = serializers.SlugRelatedField(
        slug_field="username", many=True, required=False,
        queryset=get_user_model().objects.filter(is_active=True),
        error_messages={"does_not_exist": "No active user with the username \"{value}\"."},
    )
    services_count = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["slug", "name", "email", "webhook_url", "slack_webhook_url", "members", "services_count", "edit_version"]
        read_only_fields = ["services_count", "edit_version"]

    def get_services_count(self, team) -> int:
        counted = getattr(team, "services_count", None)
        return counted if counted is not None else team.services.count()

    def to_representation(self, team):
        data = super().to_representation(team)
        request = self.context.get("request")
        if data.get("slack_webhook_url") and not (request and roles.has_role(request.user, roles.DELIVERY_MANAGER)):
            # A Slack webhook URL is the key to post in the channel: only managers (who set it) read it.
            parts = urlsplit(data["slack_webhook_url"])
            data["slack_webhook_url"] = f"{parts.scheme}://{parts.hostname}/…"
        return data
