from rest_framework import serializers

from delivery_portal import roles


class MeSerializer(serializers.Serializer):
    """Output of GET/PATCH /api/v1/me/."""

    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    roles = serializers.SerializerMethodField()
    slack_user_id = serializers.SerializerMethodField()

    def get_roles(self, user) -> list[str]:
        return sorted(roles.user_roles(user))

    def get_slack_user_id(self, user) -> str | None:
        profile = getattr(user, "profile", None)
        return profile.slack_user_id if profile else None


class MeInputSerializer(serializers.Serializer):
    """Input of PATCH /api/v1/me/: only these two; everything else is refused."""

    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    slack_user_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=32)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise serializers.ValidationError({name: ["This field cannot be changed here."] for name in sorted(unknown)})
        return attrs
