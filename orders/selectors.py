"""Read-side queries for orders, each with a bounded number of queries."""

from django.db.models import Prefetch

from .models import Order, OrderStatusChange


def _with_bill(orders):
    """`orders` with their lines and status history fetched alongside."""
    return orders.prefetch_related(
        "lines",
        Prefetch(
            "status_history",
            queryset=OrderStatusChange.objects.select_related("changed_by"),
        ),
    )


def order_history(*, user):
    """`user`'s own orders, newest first, without the ones they hid."""
    return Order.objects.visible_to(user).prefetch_related("lines")


def customer_order_bills(*, user):
    """`user`'s visible orders, ready to print as bills."""
    return _with_bill(Order.objects.visible_to(user))


def staff_order_bills():
    """Every order, hidden ones included, with its customer and bill."""
    return _with_bill(Order.objects.select_related("user"))


def order_bill(*, order_id):
    """One order with its customer and bill, or None."""
    return staff_order_bills().filter(pk=order_id).first()
