from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import OidcIdentity, Profile, RoleChange


@admin.register(Profile)
class ProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "slack_user_id")
    search_fields = ("user__username", "slack_user_id")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "subject", "issuer", "last_login_at")
    search_fields = ("user__username", "subject")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The audit trail of single sign-on's role mapping: read-only."""

    list_display = ("at", "user", "action", "role", "source")
    list_filter = ("action", "role")
    search_fields = ("user__username",)
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
