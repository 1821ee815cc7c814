from django.utils import timezone
from rest_framework import serializers


class IsoDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an explicit offset ("+00:00", never "Z"), as the contract says."""

    def to_representation(self, value):
        if value is None:
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return timezone.localtime(value).isoformat()
