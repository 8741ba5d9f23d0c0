"""
What retires a customer's cached cart (see `ravoos_pansy.caching`).

A cart body shows the customer's lines and, for each, the product's
catalog row and stock, so it is stamped with the catalog's generations and
one of the customer's own, which every change to their lines retires:
the cart services, checkout emptying the cart and the admin.
"""

from catalog import caching as catalog_caching
from ravoos_pansy import caching


def cart_generation(user_id):
    return f"generation:cart:{user_id}"


def cart_read_generations(request):
    return (*catalog_caching.CATALOG_AND_STOCK, cart_generation(request.user.pk))


def cart_changed(user_id):
    """Retires the cached cart of the customer `user_id`."""
    caching.retire(cart_generation(user_id))
