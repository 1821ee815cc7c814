from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Release


@admin.register(Release)
class ReleaseAdmin(SimpleHistoryAdmin):
    list_display = ("version", "product", "release_type", "target_date")
    list_filter = ("product", "release_type")
    search_fields = ("version",)
    filter_horizontal = ("services",)
