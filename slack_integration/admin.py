from django.contrib import admin

from .models import SlackDelivery


@admin.register(SlackDelivery)
class SlackDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "team", "state", "attempts", "last_status")
    list_filter = ("state", "event")
    list_select_related = ("team",)
    readonly_fields = ("message", "attempts", "claimed_until", "last_status", "last_error", "delivered_at")
