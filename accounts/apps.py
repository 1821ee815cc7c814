from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import checks, integration, schema  # noqa: F401  (system checks; the "sso" integration; Bearer in the schema)
