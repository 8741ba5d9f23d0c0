"""
Checkout and the order lifecycle.

`place_order` turns a customer's cart into an order in one transaction. Rows
are always locked in the same order: the cart's lines, the address, the
products by primary key, then the coupon. Two checkouts that share products
therefore queue instead of deadlocking, and a cart checked out twice at once
makes one order: the second checkout waits on the cart's lines and then
finds them gone.

Status changes lock the order's row first and re-read its status under the
lock, so a customer's cancellation racing a staff change ends in one valid
state. Mail is queued only once the transaction has committed.
"""

import logging
from collections import Counter

from django.db import transaction
from rest_framework.exceptions import NotFound

from accounts.models import Address
from cart.caching import cart_changed
from cart.models import CartItem
from catalog.models import Product
from catalog.services import change_stock
from coupons.services import check_coupon, redeem_coupon, release_coupon
from ravoos_pansy.celery import queue_after_commit
from ravoos_pansy.errors import DomainValidationError

from . import pricing
from .caching import orders_changed
from .exceptions import (
    InsufficientStock,
    OrderErrorCode,
    OrderNotHideable,
    StatusTransitionRefused,
)
from .models import (
    HIDEABLE_STATUSES,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
)
from .tasks import send_order_confirmation, send_status_update

logger = logging.getLogger(__name__)


def place_order(*, user, address_id, coupon_code=None):
    """
    Turns `user`'s cart into a placed order, or changes nothing. The order
    is returned with its lines and status history, ready to serialise.

    Raises `DomainValidationError` (400) for an empty cart, an address that
    is not the user's or totals larger than an order can record,
    `CouponRefused` (400) for a coupon that cannot be used, and
    `InsufficientStock` (409) naming every product that is short.
    """
    with transaction.atomic():
        # Lock the cart first: a second checkout of the same cart waits here
        # and then finds the lines gone.
        cart_lines = list(
            CartItem.objects.select_for_update().filter(user=user).order_by("pk")
        )
        address = _lock_address(user=user, address_id=address_id)
        if not cart_lines:
            logger.warning("Checkout refused for user %s: empty cart", user.pk)
            raise DomainValidationError(
                OrderErrorCode.CART_EMPTY.label, code=OrderErrorCode.CART_EMPTY.value
            )

        products = _lock_products([line.product_id for line in cart_lines])
        _check_stock(user=user, cart_lines=cart_lines, products=products)
        sold = [(products[line.product_id], line.quantity) for line in cart_lines]
        priced_lines = [(product.price, quantity) for product, quantity in sold]
        coupon = None
        if coupon_code:
            subtotal = pricing.price_lines(priced_lines).subtotal
            coupon = check_coupon(
                code=coupon_code, user=user, subtotal=subtotal, lock=True
            )
        totals = pricing.price_lines(priced_lines, coupon=coupon)
        _check_order_size(user=user, totals=totals)

        change_stock({product.pk: -quantity for product, quantity in sold})
        order = _write_order(
            user=user, address=address, coupon=coupon, totals=totals, sold=sold
        )
        CartItem.objects.filter(pk__in=[line.pk for line in cart_lines]).delete()
        cart_changed(user.pk)
        orders_changed(user.pk)

        queue_after_commit(send_order_confirmation, order.pk)

    logger.info(
        "Order %s placed by user %s: %s lines, total %s",
        order.pk,
        user.pk,
        len(cart_lines),
        order.total,
    )
    return order


def cancel_order(*, user, order_id):
    """
    Cancels one of `user`'s orders while it is placed or packing: the stock
    goes back and the coupon use is released.

    Raises `NotFound` for an order that is not the user's and
    `StatusTransitionRefused` when the order is past packing.
    """
    return _move_order(
        orders=Order.objects.visible_to(user),
        order_id=order_id,
        status=OrderStatus.CANCELLED,
        changed_by=user,
    )


def change_order_status(*, order_id, status, changed_by, field=None):
    """
    Moves any order one step along the lifecycle on behalf of staff;
    cancelling gives the stock back and releases the coupon use.

    Raises `NotFound` for an unknown order and `StatusTransitionRefused`
    (naming `field`, if given) for a move the lifecycle forbids.
    """
    return _move_order(
        orders=Order.objects.all(),
        order_id=order_id,
        status=status,
        changed_by=changed_by,
        field=field,
    )


def hide_order(*, user, order_id):
    """
    Hides a delivered or cancelled order from `user`'s history; staff still
    see it. Raises `NotFound` or `OrderNotHideable`.
    """
    order = Order.objects.visible_to(user).filter(pk=order_id).first()
    if order is None:
        raise NotFound("No order of yours has this id.")
    if not order.is_hideable:
        logger.warning(
            "Order %s not hidden for user %s: it is %s", order.pk, user.pk, order.status
        )
        raise OrderNotHideable(current=order.status)

    Order.objects.filter(pk=order.pk, status__in=HIDEABLE_STATUSES).update(
        is_hidden_by_user=True
    )
    orders_changed(user.pk)
    logger.info("Order %s hidden by user %s", order.pk, user.pk)


def hide_finished_orders(*, user):
    """Hides every delivered or cancelled order of `user`; returns how many."""
    hidden = (
        Order.objects.visible_to(user)
        .filter(status__in=HIDEABLE_STATUSES)
        .update(is_hidden_by_user=True)
    )
    orders_changed(user.pk)
    logger.info("User %s hid %s finished orders", user.pk, hidden)
    return hidden


def _lock_address(*, user, address_id):
    # Locked so that the address cannot be deleted between this read and
    # the order's insert, which refers to it.
    address = (
        Address.objects.owned_by(user).select_for_update().filter(pk=address_id).first()
    )
    if address is None:
        logger.warning(
            "Checkout refused for user %s: address %s is not theirs",
            user.pk,
            address_id,
        )
        raise DomainValidationError(
            {"address_id": [OrderErrorCode.ADDRESS_INVALID.label]},
            code=OrderErrorCode.ADDRESS_INVALID.value,
        )
    return address


def _write_order(*, user, address, coupon, totals, sold):
    """
    The order with its lines, coupon use and first history step, which the
    returned order holds.
    """
    order = Order.objects.create(
        user=user,
        status=OrderStatus.PLACED,
        **_address_snapshot(address),
        coupon=coupon,
        coupon_code=coupon.code if coupon else "",
        subtotal=totals.subtotal,
        discount=totals.discount,
        gst_rate=totals.gst_rate,
        gst=totals.gst,
        total=totals.total,
    )
    if coupon is not None:
        redeem_coupon(coupon=coupon, user=user, order=order)
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=product,
            product_name=product.name,
            unit_price=product.price,
            quantity=quantity,
            line_total=pricing.line_total(product.price, quantity),
        )
        for product, quantity in sold
    )
    first_step = OrderStatusChange.objects.create(
        order=order, from_status="", to_status=OrderStatus.PLACED, changed_by=user
    )

    # Checkout answers with the bill just written: its lines and history
    # are set as the order's prefetched rows (the cache DRF's update view
    # also manages) rather than read back. The lines are in `id` order, as
    # `OrderLine` sorts them.
    order._prefetched_objects_cache = {
        "lines": lines,
        "status_history": [first_step],
    }
    return order


def _check_order_size(*, user, totals):
    """Raises a 400 for totals larger than an order can record."""
    largest = max(totals.subtotal, totals.total)
    if largest > pricing.MAX_ORDER_AMOUNT:
        logger.warning(
            "Checkout refused for user %s: %s is over the order limit",
            user.pk,
            largest,
        )
        raise DomainValidationError(
            OrderErrorCode.ORDER_TOO_LARGE.label,
            code=OrderErrorCode.ORDER_TOO_LARGE.value,
        )


def _address_snapshot(address):
    return {
        "address": address,
        "shipping_full_name": address.full_name,
        "shipping_phone": address.phone,
        "shipping_street": address.street,
        "shipping_city": address.city,
        "shipping_state": address.state,
        "shipping_pincode": address.pincode,
        "shipping_landmark": address.landmark,
        "shipping_address": address.as_text(),
    }


def _lock_products(product_ids):
    """
    The products, locked in primary-key order and read under the lock, each
    annotated with `on_sale`: whether the catalog sells it (the product, its
    category and every ancestor category active).
    """
    return {
        product.pk: product
        for product in Product.objects.select_for_update(of=("self",))
        .with_on_sale()
        .filter(pk__in=product_ids)
        .order_by("pk")
    }


def _check_stock(*, user, cart_lines, products):
    """Raises `InsufficientStock` naming every line that cannot be sold."""
    short = []
    for line in cart_lines:
        product = products[line.product_id]
        available = product.stock if product.on_sale else 0
        if line.quantity > available:
            short.append(
                {
                    "id": product.pk,
                    "name": product.name,
                    "requested": line.quantity,
                    "available": available,
                }
            )
    if short:
        logger.warning(
            "Checkout refused for user %s: not enough stock of products %s",
            user.pk,
            [item["id"] for item in short],
        )
        raise InsufficientStock(short)


def _give_stock_back(order):
    returned = Counter()
    for line in order.lines.all():
        # A deleted product has no stock to return to.
        if line.product_id is not None:
            returned[line.product_id] += line.quantity
    if not returned:
        return

    _lock_products(list(returned))
    change_stock(dict(returned))


def _move_order(*, orders, order_id, status, changed_by, field=None):
    with transaction.atomic():
        # The lock makes concurrent moves of one order queue; the status is
        # read again under it, so each move checks the state it will change.
        order = orders.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise NotFound("No order has this id.")
        if not order.can_move_to(status):
            logger.warning(
                "Order %s: move from %s to %s refused (user %s)",
                order.pk,
                order.status,
                status,
                changed_by.pk,
            )
            raise StatusTransitionRefused(
                current=order.status,
                requested=status,
                allowed=order.allowed_next_statuses,
                field=field,
            )

        from_status = order.status
        if status == OrderStatus.CANCELLED:
            _give_stock_back(order)
            release_coupon(order=order)
        order.status = status
        order.save(update_fields=["status", "updated_at"])
        orders_changed(order.user_id)
        OrderStatusChange.objects.create(
            order=order,
            from_status=from_status,
            to_status=status,
            changed_by=changed_by,
        )

        queue_after_commit(send_status_update, order.pk, str(status))

    logger.info(
        "Order %s moved from %s to %s by user %s",
        order.pk,
        from_status,
        status,
        changed_by.pk,
    )
    return order
