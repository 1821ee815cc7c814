from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ActionItem, AlertFingerprint, Incident, PostMortem, ReminderLedger, TimelineEntry


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    fields = ("at", "kind", "text", "author")
    raw_id_fields = ("author",)


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "title", "severity", "state", "commander", "detected_at")
    list_filter = ("severity", "state")
    search_fields = ("reference", "title")
    list_select_related = ("commander",)
    raw_id_fields = ("caused_by_deployment", "caused_by_change", "commander", "created_by")
    list_per_page = 100
    inlines = [TimelineInline]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(SimpleHistoryAdmin):
    list_display = ("incident", "at", "kind", "author")
    list_filter = ("kind",)
    list_select_related = ("incident", "author")
    raw_id_fields = ("incident", "author")


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    raw_id_fields = ("owner",)


@admin.register(PostMortem)
class PostMortemAdmin(SimpleHistoryAdmin):
    list_display = ("incident", "completed_at")
    list_select_related = ("incident",)
    raw_id_fields = ("incident", "completed_by")
    inlines = [ActionItemInline]


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ("title", "owner", "due_date", "status")
    list_filter = ("status",)
    list_select_related = ("owner",)
    raw_id_fields = ("postmortem", "owner")


@admin.register(AlertFingerprint)
class AlertFingerprintAdmin(admin.ModelAdmin):
    list_display = ("fingerprint", "alertname", "incident", "status", "times_fired", "last_seen_at")
    list_select_related = ("incident",)
    raw_id_fields = ("incident",)


@admin.register(ReminderLedger)
class ReminderLedgerAdmin(admin.ModelAdmin):
    list_display = ("kind", "incident", "action_item", "slot", "sent_at")
    list_filter = ("kind",)
    raw_id_fields = ("incident", "action_item")


