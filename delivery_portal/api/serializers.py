from django.db import models
from rest_framework import serializers

from .fields import IsoDateTimeField


class PortalModelSerializer(serializers.ModelSerializer):
    """Base for every model serializer: timestamps come out with an explicit offset."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: IsoDateTimeField,
    }
