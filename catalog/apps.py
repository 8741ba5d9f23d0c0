from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self):
        # Connects the receivers that retire cached catalog reads on change.
        from . import caching  # noqa: F401
