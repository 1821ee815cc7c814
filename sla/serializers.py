from rest_framework import serializers

from delivery_portal.api.serializers import PortalModelSerializer

from .models import Service, Team


class ServiceSerializer(PortalModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Service
        fields = ["slug", "name", "tier", "sla_target", "team", "p99_threshold_ms", "freeze_active"]
        read_only_fields = ["freeze_active"]

    def validate_sla_target(self, value):
        if not (0 < value < 100):
            raise serializers.ValidationError("The SLA target must be above 0 and below 100 (e.g. 99.9).")
        return value
