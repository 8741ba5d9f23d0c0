"""
What retires a customer's cached order history (see
`ravoos_pansy.caching`).

History bodies show only what orders keep of their own (snapshots, totals,
status), so they are stamped with one generation per customer, which every
order service that changes what the history shows retires: placing,
moving (staff, the admin actions and cancelling alike) and hiding.
"""

from ravoos_pansy import caching


def order_history_generation(user_id):
    return f"generation:orders:{user_id}"


def history_read_generations(request):
    return (order_history_generation(request.user.pk),)


def orders_changed(user_id):
    """Retires the cached order history of the customer `user_id`."""
    caching.retire(order_history_generation(user_id))
