from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import MaturityAssessment


@admin.register(MaturityAssessment)
class MaturityAssessmentAdmin(SimpleHistoryAdmin):
    list_display = ("team", "assessed_at", "level", "target_level", "assessed_by")
    list_filter = ("level", "team")
    list_select_related = ("team", "assessed_by")
