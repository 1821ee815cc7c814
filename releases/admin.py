from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BugFix, CommsItem, Dependency, Evidence, Feature, Release, RolloutPlan, ScopeChange


class FeatureInline(admin.TabularInline):
    model = Feature
    extra = 0


class BugFixInline(admin.TabularInline):
    model = BugFix
    extra = 0


class DependencyInline(admin.TabularInline):
    model = Dependency
    extra = 0


class CommsItemInline(admin.TabularInline):
    model = CommsItem
    extra = 0
    raw_id_fields = ("owner", "done_by")


@admin.register(Release)
class ReleaseAdmin(SimpleHistoryAdmin):
    list_display = ("version", "product", "release_type", "target_date")
    list_filter = ("product", "release_type")
    search_fields = ("version",)
    filter_horizontal = ("services",)
    inlines = [FeatureInline, BugFixInline, DependencyInline, CommsItemInline]


@admin.register(Feature)
class FeatureAdmin(SimpleHistoryAdmin):
    list_display = ("title", "release", "ticket", "status", "late")
    list_filter = ("status", "late")
    search_fields = ("title", "ticket", "release__version")


@admin.register(BugFix)
class BugFixAdmin(SimpleHistoryAdmin):
    list_display = ("title", "release", "ticket", "priority", "status", "late")
    list_filter = ("priority", "status", "late")
    search_fields = ("title", "ticket", "release__version")


@admin.register(Dependency)
class DependencyAdmin(SimpleHistoryAdmin):
    list_display = ("description", "release", "kind", "late")
    list_filter = ("kind", "late")


@admin.register(ScopeChange)
class ScopeChangeAdmin(admin.ModelAdmin):
    list_display = ("release", "action", "item_kind", "summary", "late", "at", "by")
    list_filter = ("action", "late")


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("release", "criterion", "recorded_at", "recorded_by")
    list_filter = ("criterion",)
    search_fields = ("release__version",)


@admin.register(CommsItem)
class CommsItemAdmin(SimpleHistoryAdmin):
    list_display = ("release", "kind", "due_date", "owner", "done", "done_at", "reminded_at")
    list_filter = ("kind", "done")


@admin.register(RolloutPlan)
class RolloutPlanAdmin(SimpleHistoryAdmin):
    list_display = ("release", "strategy", "window_start", "window_end", "monitoring_hours")
