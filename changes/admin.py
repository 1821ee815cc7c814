from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ChangeRequest


@admin.register(ChangeRequest)
class ChangeRequestAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "title", "change_type", "state", "requester", "window_start")
    list_filter = ("change_type", "state")
    search_fields = ("reference", "title")
    list_select_related = ("requester",)
    filter_horizontal = ("services",)
