"""
Changing a customer's cart.

Adding to an existing line never reads the quantity and writes it back: one
UPDATE raises it, guarded in its WHERE clause by the line and stock limits,
so two adds racing on the same line both count and neither can push it past
a limit. A first add inserts the line inside a savepoint; when a concurrent
add inserted it first, the unique constraint refuses ours and the UPDATE is
tried again.

Once the line is written, the product's row is locked until commit, after
the line as checkout and the product delete lock them: a delete of the
product then either waits and takes the new line with it, or has already
gone and the add is a 404. (PostgreSQL checks the line's foreign key only
at commit, which without the lock would fail there with a 500.)
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import NotFound

from catalog.models import Product
from ravoos_pansy.errors import Conflict, DomainValidationError

from .caching import cart_changed
from .models import CartItem, CartProblem

logger = logging.getLogger(__name__)


def add_to_cart(*, user, product_id, quantity):
    """
    Adds `quantity` of an active product to the user's cart.

    Raises `NotFound` for an unknown or inactive product, a 400 when the line
    would hold more than the per-line limit and `Conflict` (409,
    `insufficient_stock`) when it would hold more than is in stock.
    """
    if quantity < 1:
        raise DomainValidationError(
            {"quantity": ["Add at least one."]}, code="min_value"
        )
    product = Product.objects.active().filter(pk=product_id).first()
    if product is None:
        raise NotFound("No product on sale has this id.")
    limit = _line_limit(product)

    with transaction.atomic():
        if _raise_line_quantity(user=user, product=product, by=quantity, limit=limit):
            created = False
        elif quantity <= limit and _create_line(
            user=user, product=product, quantity=quantity
        ):
            created = True
        else:
            # The line exists (perhaps created a moment ago by a concurrent
            # add) and our quantity would not fit, or there is no line and
            # it would not fit on its own: report what the line would have
            # become.
            held = (
                CartItem.objects.filter(user=user, product=product)
                .values_list("quantity", flat=True)
                .first()
            )
            _refuse_quantity(product=product, quantity=(held or 0) + quantity)
        if not Product.objects.select_for_update().filter(pk=product.pk).exists():
            logger.warning(
                "Product %s was deleted while user %s added it", product.pk, user.pk
            )
            raise NotFound("No product on sale has this id.")

    cart_changed(user.pk)
    if created:
        logger.info("User %s put product %s in the cart", user.pk, product.pk)
    else:
        logger.info("User %s added %s of product %s", user.pk, quantity, product.pk)


def update_cart_item(*, user, item_id, quantity):
    """
    Sets the quantity of one of the user's lines; 0 or less removes it.

    Raises `NotFound` for a line that is not the user's, and the same 400 and
    409 as `add_to_cart` when the quantity is over a limit; a line whose
    product is no longer sold can only be removed (409 `product_inactive`).
    """
    if quantity <= 0:
        remove_from_cart(user=user, item_id=item_id)
        return

    item = CartItem.objects.for_user(user).with_sale_status().filter(pk=item_id).first()
    if item is None:
        raise NotFound("No line in your cart has this id.")
    if item.problem == CartProblem.INACTIVE:
        raise Conflict(
            "This product is no longer sold; remove it from your cart.",
            code="product_inactive",
        )
    if quantity > _line_limit(item.product):
        _refuse_quantity(product=item.product, quantity=quantity)

    updated = CartItem.objects.filter(pk=item.pk, user=user).update(
        quantity=quantity, updated_at=timezone.now()
    )
    if not updated:
        raise NotFound("No line in your cart has this id.")
    cart_changed(user.pk)
    logger.info("User %s set line %s to %s", user.pk, item.pk, quantity)


def remove_from_cart(*, user, item_id):
    """Deletes one of the user's lines; `NotFound` if it is not theirs."""
    deleted, _ = CartItem.objects.filter(pk=item_id, user=user).delete()
    if not deleted:
        raise NotFound("No line in your cart has this id.")
    cart_changed(user.pk)
    logger.info("User %s removed line %s", user.pk, item_id)


def clear_cart(*, user):
    deleted, _ = CartItem.objects.filter(user=user).delete()
    cart_changed(user.pk)
    logger.info("User %s cleared the cart (%s lines)", user.pk, deleted)


def _line_limit(product):
    """The most of `product` one cart line may hold now."""
    return min(settings.MAX_CART_LINE_QUANTITY, product.stock)


def _raise_line_quantity(*, user, product, by, limit):
    """True when the user's line existed and now holds `by` more."""
    # `quantity <= limit - by` is checked by the database on the row it
    # locks, so a concurrent add that got there first is taken into account.
    return bool(
        CartItem.objects.filter(
            user=user, product=product, quantity__lte=limit - by
        ).update(quantity=F("quantity") + by, updated_at=timezone.now())
    )


def _create_line(*, user, product, quantity):
    """True when a new line was written; False when the line already exists."""
    try:
        with transaction.atomic():
            CartItem.objects.create(user=user, product=product, quantity=quantity)
    except IntegrityError:
        # A concurrent first add won the unique constraint: add to its line.
        return _raise_line_quantity(
            user=user, product=product, by=quantity, limit=_line_limit(product)
        )
    return True


def _refuse_quantity(*, product, quantity):
    """Raises the error for a line that would hold `quantity` of `product`."""
    line_max = settings.MAX_CART_LINE_QUANTITY
    if product.stock < line_max:
        logger.warning(
            "Product %s: %s asked, %s in stock", product.pk, quantity, product.stock
        )
        raise Conflict(
            f"Only {product.stock} of this product in stock.",
            code="insufficient_stock",
            product_id=product.pk,
            available=product.stock,
        )
    logger.warning("Product %s: a line of %s is over the limit", product.pk, quantity)
    raise DomainValidationError(
        {"quantity": [f"A cart line holds at most {line_max} of a product."]},
        code="max_value",
    )
