from django.apps import AppConfig


class DeliveryPortalConfig(AppConfig):
    name = "delivery_portal"
    verbose_name = "Portal plumbing"

    def ready(self):
        from . import signals  # noqa: F401  (security logging of logins)
