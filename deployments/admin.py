from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Deployment, DeploymentCommit


class CommitInline(admin.TabularInline):
    model = DeploymentCommit
    extra = 0


@admin.register(Deployment)
class DeploymentAdmin(SimpleHistoryAdmin):
    list_display = ("id", "service", "environment", "version", "strategy", "state", "traffic_percent", "finished_at")
    list_filter = ("environment", "strategy", "state")
    search_fields = ("version", "service__slug")
    list_select_related = ("service",)
    raw_id_fields = ("change", "release", "requested_by")
    inlines = [CommitInline]
