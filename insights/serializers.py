from datetime import timedelta

from rest_framework import serializers

from deployments.domain import canonical_environment
from sla.models import Service, Team

from .domain.levels import LEVELS
from .selectors.dora import DEFAULT_RANGE_DAYS, DoraScope, default_range

MAX_RANGE_DAYS = 5 * 366


class DoraQuerySerializer(serializers.Serializer):
    """The filters of GET /api/v1/dora/ (and of the DORA page).

    `service` and `team` are slugs (neither: every service); `environment` defaults to
    production; `start` and `end` are inclusive dates, by default the last 30 days up to
    today (or 30 days up to `end`, or from `start` to today).
    """

    service = serializers.SlugRelatedField(slug_field="slug", queryset=Service.objects.all(), required=False, allow_null=True)
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True)
    environment = serializers.CharField(required=False, default="production", max_length=50)
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)

    default_error_messages = {"range": "start must be on or before end."}

    def to_internal_value(self, data):
        # Empty query parameters (a form submitted with blank fields) mean "not given".
        if hasattr(data, "dict"):
            data = data.dict()
        data = {k: v for k, v in dict(data).items() if v not in ("", None)}
        return super().to_internal_value(data)

    def validate_environment(self, value):
        return canonical_environment(value) or "production"  # stored so: "prod" asks for production

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start is None and end is None:
            start, end = default_range()
        elif end is None:
            end = max(start, default_range()[1])
        elif start is None:
            start = end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if start > end:
            raise serializers.ValidationError({"end": ["The end date must be on or after the start date."]})
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"start": [f"The range may span at most {MAX_RANGE_DAYS} days."]})
        service, team = attrs.get("service"), attrs.get("team")
        if service is not None and team is not None and service.team_id != team.pk:
            raise serializers.ValidationError({"service": ["This service does not belong to that team."]})
        attrs.update(start=start, end=end)
        return attrs

    def scope(self):
        data = self.validated_data
        return DoraScope(service=data.get("service"), team=data.get("team"), environment=data["environment"])


class DoraLevelsSerializer(serializers.Serializer):
    """Always one of elite, high, medium, low (a metric without data is low; see no_data)."""

    deployment_frequency = serializers.ChoiceField(choices=LEVELS)
    lead_time = serializers.ChoiceField(choices=LEVELS)
    change_failure_rate = serializers.ChoiceField(choices=LEVELS)
    mttr = serializers.ChoiceField(choices=LEVELS)


class DoraSerializer(serializers.Serializer):
    """The response (for the OpenAPI schema); the view returns DoraMetrics.as_dict()."""

    deployment_frequency_per_day = serializers.FloatField()
    lead_time_hours_median = serializers.FloatField(allow_null=True)
    change_failure_rate = serializers.FloatField(allow_null=True)
    mttr_hours = serializers.FloatField(allow_null=True)
    mttr_hours_median = serializers.FloatField(allow_null=True)
    levels = DoraLevelsSerializer()
    no_data = serializers.ListField(
        child=serializers.ChoiceField(choices=["lead_time", "change_failure_rate", "mttr"]),
        help_text="Metrics without data in the range: their value is null and their level low.",
    )
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
