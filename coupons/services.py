"""
Coupon rules: checking a code against a cart, redeeming it in a checkout and
releasing it when the order is cancelled.

Checkout checks the coupon under its row lock, so the rules and the
discount it prices the order with are those of the row it redeems.
Redemption never reads-then-writes the count: one conditional UPDATE raises
`used_count` only while it is under the limit, so two checkouts racing for
the last use cannot both win. The per-user limit is checked under the
coupon's row lock too, so it is serialised as well.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cart.selectors import get_cart
from orders.pricing import Totals
from ravoos_pansy.errors import DomainValidationError

from .exceptions import CouponRefusal, CouponRefused
from .models import Coupon, CouponRedemption

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CouponQuote:
    """What a coupon would take off the user's cart as it stands."""

    coupon: Coupon
    totals: Totals


def _refusal_for(coupon, *, user, subtotal, now):
    """The first rule `coupon` breaks for this user and subtotal, or None."""
    if not coupon.is_active:
        return CouponRefusal.INACTIVE
    if coupon.valid_from > now:
        return CouponRefusal.NOT_YET_VALID
    if coupon.valid_to is not None and coupon.valid_to <= now:
        return CouponRefusal.EXPIRED
    if coupon.usage_limit is not None and coupon.used_count >= coupon.usage_limit:
        return CouponRefusal.USED_UP
    if coupon.per_user_limit is not None and user is not None:
        used_by_user = coupon.redemptions.filter(user=user).count()
        if used_by_user >= coupon.per_user_limit:
            return CouponRefusal.ALREADY_USED
    if subtotal < coupon.min_subtotal:
        return CouponRefusal.MINIMUM_NOT_MET
    return None


def check_coupon(*, code, user, subtotal, field="coupon", lock=False):
    """
    The coupon for `code` if `user` may use it on `subtotal` now. With
    `lock`, the coupon's row is locked until the transaction ends and the
    rules are checked against it as it is under the lock, so a checkout
    prices the order with the coupon it redeems.

    Raises `CouponRefused` naming the first rule the coupon breaks.
    """
    user_id = getattr(user, "pk", None)
    coupons = Coupon.objects.by_code(code or "")
    if lock:
        coupons = coupons.select_for_update()
    coupon = coupons.first()
    if coupon is None:
        logger.warning("Unknown coupon code tried by user %s", user_id)
        raise CouponRefused(CouponRefusal.UNKNOWN, field=field)

    refusal = _refusal_for(coupon, user=user, subtotal=subtotal, now=timezone.now())
    if refusal is not None:
        logger.warning(
            "Coupon %s refused for user %s: %s", coupon.pk, user_id, refusal.value
        )
        raise CouponRefused(refusal, field=field)
    return coupon


def quote_coupon(*, code, user):
    """
    The totals `user`'s cart would have with the coupon for `code`.

    Raises a 400 `cart_empty` for an empty cart and `CouponRefused` (on the
    `code` field) when the coupon cannot be used on it.
    """
    cart = get_cart(user=user)
    if cart.is_empty:
        raise DomainValidationError(
            "Your cart is empty; add something before using a coupon.",
            code="cart_empty",
        )

    coupon = check_coupon(
        code=code, user=user, subtotal=cart.totals.subtotal, field="code"
    )
    return CouponQuote(coupon=coupon, totals=cart.priced(coupon=coupon))


def redeem_coupon(*, coupon, user, order):
    """
    Takes one use of `coupon` for `order`, inside the caller's transaction.

    Raises `CouponRefused` when the total or per-user limit was reached by a
    concurrent checkout since the coupon was checked (which a checkout that
    checked it with `lock` rules out; the conditional UPDATE still guards
    any other caller).
    """
    under_limit = Q(usage_limit__isnull=True) | Q(used_count__lt=F("usage_limit"))
    taken = (
        Coupon.objects.filter(pk=coupon.pk, is_active=True)
        .filter(under_limit)
        .update(used_count=F("used_count") + 1)
    )
    if not taken:
        raise CouponRefused(CouponRefusal.USED_UP)

    # The UPDATE above holds the coupon's row lock until commit, so this
    # count cannot change under us.
    if coupon.per_user_limit is not None:
        used_by_user = CouponRedemption.objects.filter(coupon=coupon, user=user).count()
        if used_by_user >= coupon.per_user_limit:
            raise CouponRefused(CouponRefusal.ALREADY_USED)

    CouponRedemption.objects.create(coupon=coupon, user=user, order=order)
    logger.info(
        "Coupon %s redeemed by user %s on order %s", coupon.pk, user.pk, order.pk
    )


def release_coupon(*, order):
    """Gives back the coupon use of a cancelled order, if it had one."""
    with transaction.atomic():
        deleted, _ = CouponRedemption.objects.filter(order=order).delete()
        if deleted:
            Coupon.objects.filter(pk=order.coupon_id, used_count__gt=0).update(
                used_count=F("used_count") - 1
            )
            logger.info("Coupon %s released by order %s", order.coupon_id, order.pk)
