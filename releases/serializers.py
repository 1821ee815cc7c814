from rest_framework import serializers

from delivery_portal.api.fields import IsoDateTimeField
from delivery_portal.api.serializers import PortalModelSerializer
from sla.models import Service

from . import selectors
from .domain import versions
from .models import BugFix, CommsItem, Dependency, Evidence, Feature, Release


class FeatureSerializer(PortalModelSerializer):
    class Meta:
        model = Feature
        fields = ["id", "title", "ticket", "status", "late"]
        read_only_fields = ["late"]


class BugFixSerializer(PortalModelSerializer):
    class Meta:
        model = BugFix
        fields = ["id", "title", "ticket", "priority", "status", "late"]
        read_only_fields = ["late"]


class DependencySerializer(PortalModelSerializer):
    class Meta:
        model = Dependency
        fields = ["id", "kind", "description", "late"]
        read_only_fields = ["late"]


class CommsItemSerializer(PortalModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CommsItem
        fields = ["kind", "label", "due_date", "owner", "done", "done_at"]


class ReleaseSerializer(PortalModelSerializer):
    services = serializers.SlugRelatedField(slug_field="slug", many=True, queryset=Service.objects.all())
    product = serializers.CharField(max_length=100, required=False, default="portal")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    features = FeatureSerializer(many=True, read_only=True)
    bug_fixes = BugFixSerializer(many=True, read_only=True)
    dependencies = DependencySerializer(many=True, read_only=True)
    comms = CommsItemSerializer(source="comms_items", many=True, read_only=True)

    class Meta:
        model = Release
        fields = ["version", "product", "release_type", "target_date", "services", "created_by", "created_at",
                  "features", "bug_fixes", "dependencies", "comms", "edit_version"]
        read_only_fields = ["release_type", "created_by", "created_at", "edit_version"]
        extra_kwargs = {"version": {"validators": []}}

    def validate_version(self, value):
        """The canonical spelling (``2.5.0`` -> ``v2.5.0``); one release per version, however spelt."""
        try:
            version = versions.canonical_version(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if selectors.version_taken(version):
            raise serializers.ValidationError(f"A release {version} already exists.")
        return version


class ReleaseVersionField(serializers.SlugRelatedField):
    """A release named by its version in any spelling (``2.5.0`` finds v2.5.0)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Release.objects.all())
        super().__init__(slug_field="version", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        release = selectors.release_by_version(data, self.get_queryset())
        if release is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return release


class EvidenceSerializer(PortalModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    recorded_at = IsoDateTimeField(read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "criterion", "payload", "recorded_by", "recorded_at"]
