"""
What retires a customer's cached order history (see
`ravoos_pansy.caching`).

History bodies show what orders keep of their own (snapshots, totals,
status), so they are stamped with one generation per customer, which every
order service that changes what the history shows retires: placing,
moving (staff, the admin actions and cancelling alike) and hiding. They
also show each line's `product_id`, which a deleted product leaves null on
every order that sold it: one more generation, retired by any product
deletion, covers that.
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from catalog.models import Product
from ravoos_pansy import caching

PRODUCTS_DELETED = "generation:products-deleted"


def order_history_generation(user_id):
    return f"generation:orders:{user_id}"


def history_read_generations(request):
    return (order_history_generation(request.user.pk), PRODUCTS_DELETED)


def orders_changed(user_id):
    """Retires the cached order history of the customer `user_id`."""
    caching.retire(order_history_generation(user_id))


@receiver(post_delete, sender=Product)
def _product_deleted(sender, **kwargs):
    caching.retire(PRODUCTS_DELETED)
