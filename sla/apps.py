from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "Services and SLAs"

    def ready(self):
        from delivery_portal import housekeeping

        from .models import BudgetSnapshot

        # Hourly snapshots only grow; the portal's daily housekeeping prunes the old ones.
        housekeeping.register(
            "snapshots", rows_before=lambda cutoff: BudgetSnapshot.objects.filter(taken_at__lt=cutoff),
            retention_setting="SNAPSHOT_RETENTION_DAYS",
        )
