from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Incident


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "title", "severity", "state", "commander", "detected_at")
    list_filter = ("severity", "state")
    search_fields = ("reference", "title")
    list_select_related = ("commander",)
    raw_id_fields = ("caused_by_deployment", "caused_by_change", "commander", "created_by")
    list_per_page = 100
