from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BudgetSnapshot, Freeze, ImpactWindow, MaintenanceWindow, Service, Team


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "email")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "tier", "sla_target", "team", "p99_threshold_ms", "freeze_active")
    list_filter = ("tier", "freeze_active", "team")
    search_fields = ("name", "slug")
    list_select_related = ("team",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(SimpleHistoryAdmin):
    list_display = ("service", "starts_at", "ends_at", "reason")
    list_select_related = ("service",)
    date_hierarchy = "starts_at"


@admin.register(ImpactWindow)
class ImpactWindowAdmin(admin.ModelAdmin):
    list_display = ("source_ref", "service", "started_at", "ended_at", "counts_against_sla")
    list_select_related = ("service",)
    list_filter = ("counts_against_sla",)


@admin.register(Freeze)
class FreezeAdmin(SimpleHistoryAdmin):
    list_display = ("service", "cause", "started_at", "ended_at", "started_by", "ended_by")
    list_select_related = ("service", "started_by", "ended_by")
    list_filter = ("cause",)


@admin.register(BudgetSnapshot)
class BudgetSnapshotAdmin(admin.ModelAdmin):
    list_display = ("service", "period", "taken_at", "status", "remaining_minutes", "burn_rate", "freeze")
    list_select_related = ("service",)
    list_filter = ("period", "status", "freeze")
    date_hierarchy = "taken_at"
