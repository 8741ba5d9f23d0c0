from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        # Connects the receiver that retires cached histories when a product
        # they show is deleted.
        from . import caching  # noqa: F401
