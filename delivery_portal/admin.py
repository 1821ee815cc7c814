from django.contrib import admin

from .models import (IntegrationHealth, Notification, OutboxMessage, ReferenceCounter, WebhookDelivery, WebhookEndpoint,
                     WorkerHeartbeat)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("task_name", "created_at", "published_at", "attempts")
    list_filter = ("task_name",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "recipient", "email", "event", "created_at", "emailed_at", "read_at")
    list_filter = ("event",)
    list_select_related = ("recipient",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "events", "active")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "url", "state", "attempts", "last_status", "created_at")
    list_filter = ("state", "event")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "requested_by", "answered_at", "worker")


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    list_display = ("prefix", "year", "last")


@admin.register(IntegrationHealth)
class IntegrationHealthAdmin(admin.ModelAdmin):
    list_display = ("key", "last_success_at", "last_failure_at")
