from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Connects the receivers that retire cached token lookups on change.
        from . import caching  # noqa: F401
