"""The release list's filters, one FilterSet shared by the page, its CSV export and the API
list (`GET /api/v1/releases/?product=&release_type=`), so that the three always match the
same releases for the same query string.

Each filter matches exactly and an empty value filters nothing; a value that matches no
release gives an empty list (never an error).
"""

import django_filters

from .models import Release


class ReleaseFilterSet(django_filters.FilterSet):
    product = django_filters.CharFilter(field_name="product", help_text="A product, e.g. portal.")
    release_type = django_filters.CharFilter(field_name="release_type", help_text="major, minor or patch.")

    class Meta:
        model = Release
        fields = ["product", "release_type"]
