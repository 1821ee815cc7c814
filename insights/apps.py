from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self):
        from . import cache

        cache.connect_signals()  # DORA results cached for pages are dropped when data changes
