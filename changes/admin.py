from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Approval,
    BlackoutWindow,
    CalendarFeedToken,
    ChangeComment,
    ChangeRequest,
    StandardChangeTemplate,
)


class ApprovalInline(admin.TabularInline):
    model = Approval
    extra = 0
    readonly_fields = ("by", "decision", "at", "comment")
    can_delete = False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "title", "change_type", "state", "requester", "window_start")
    list_filter = ("change_type", "state")
    search_fields = ("reference", "title")
    list_select_related = ("requester",)
    filter_horizontal = ("services",)
    inlines = [ApprovalInline]


@admin.register(Approval)
class ApprovalAdmin(SimpleHistoryAdmin):
    list_display = ("change", "by", "decision", "at")
    list_select_related = ("change", "by")


@admin.register(StandardChangeTemplate)
class StandardChangeTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("title", "slug", "active", "default_duration_minutes")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("services",)


@admin.register(BlackoutWindow)
class BlackoutWindowAdmin(SimpleHistoryAdmin):
    list_display = ("title", "starts_at", "ends_at")
    filter_horizontal = ("services",)


@admin.register(ChangeComment)
class ChangeCommentAdmin(admin.ModelAdmin):
    list_display = ("change", "author", "at")
    list_select_related = ("change", "author")


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    exclude = ("key",)


