from django.apps import AppConfig


class SlackIntegrationConfig(AppConfig):
    name = "slack_integration"
    verbose_name = "Slack"

    def ready(self):
        from . import integration  # noqa: F401  (registers "slack" on the integrations page)
