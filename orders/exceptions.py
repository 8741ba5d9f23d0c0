from django.db import models
from rest_framework import exceptions, status

from ravoos_pansy.errors import Conflict, DomainValidationError


class OrderErrorCode(models.TextChoices):
    """The machine codes of order errors; the value is the `code` clients see."""

    ADDRESS_INVALID = "address_invalid", "No address of yours has this id."
    CART_EMPTY = "cart_empty", "Your cart is empty."
    INSUFFICIENT_STOCK = "insufficient_stock", "Not enough stock."
    ORDER_TOO_LARGE = (
        "order_too_large",
        "An order can total at most 9,999,999,999.99; take something out of your cart.",
    )
    INVALID_STATUS_TRANSITION = (
        "invalid_status_transition",
        "The order cannot move to this status.",
    )
    NOT_HIDEABLE = (
        "order_not_hideable",
        "Only delivered or cancelled orders can be removed from the history.",
    )
    IDEMPOTENCY_KEY_INVALID = (
        "idempotency_key_invalid",
        "The Idempotency-Key header must be 1 to 255 printable characters.",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request body.",
    )
    IDEMPOTENCY_KEY_IN_USE = (
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed; "
        "retry in a moment.",
    )


class InsufficientStock(Conflict):
    """409 naming every product the cart asks more of than there is."""

    def __init__(self, products):
        names = ", ".join(product["name"] for product in products)
        super().__init__(
            f"Not enough stock for: {names}.",
            code=OrderErrorCode.INSUFFICIENT_STOCK.value,
            products=products,
        )


class StatusTransitionRefused(DomainValidationError):
    """400 for a move the lifecycle forbids, listing the moves it allows."""

    def __init__(self, *, current, requested, allowed, field=None):
        allowed = [str(status) for status in allowed]
        options = ", ".join(allowed) if allowed else "none (the order is final)"
        message = (
            f"An order that is {current} cannot move to {requested}. "
            f"Allowed next statuses: {options}."
        )
        detail = {field: [message]} if field else message
        super().__init__(
            detail,
            code=OrderErrorCode.INVALID_STATUS_TRANSITION.value,
            current_status=str(current),
            allowed=allowed,
        )


class OrderNotHideable(DomainValidationError):
    def __init__(self, *, current):
        super().__init__(
            OrderErrorCode.NOT_HIDEABLE.label,
            code=OrderErrorCode.NOT_HIDEABLE.value,
            current_status=str(current),
        )


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = OrderErrorCode.IDEMPOTENCY_KEY_REUSED.label
    default_code = OrderErrorCode.IDEMPOTENCY_KEY_REUSED.value


class IdempotencyKeyInUse(Conflict):
    default_detail = OrderErrorCode.IDEMPOTENCY_KEY_IN_USE.label
    default_code = OrderErrorCode.IDEMPOTENCY_KEY_IN_USE.value
