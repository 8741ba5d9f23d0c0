"""
Reading a customer's cart with its totals.

The cart is one query (lines joined to their product and category) whatever
its size; everything else is computed in memory by `orders.pricing`.
"""

from dataclasses import dataclass
from functools import cached_property

from orders import pricing

from .models import CartItem


@dataclass(frozen=True)
class Cart:
    """A customer's cart lines and what checkout would charge for them."""

    lines: list[CartItem]

    @property
    def is_empty(self):
        return not self.lines

    @property
    def item_count(self):
        """Units in the cart, over every line (the number on a cart badge)."""
        return sum(line.quantity for line in self.lines)

    @cached_property
    def purchasable_lines(self):
        return [line for line in self.lines if line.is_purchasable]

    @cached_property
    def totals(self):
        return self.priced()

    def priced(self, *, coupon=None):
        """
        Totals over the lines checkout can sell, with an optional coupon.

        Lines that are not purchasable are left out: checkout refuses them,
        so counting them would promise a charge that can never happen.
        """
        return pricing.price_lines(
            ((line.product.price, line.quantity) for line in self.purchasable_lines),
            coupon=coupon,
        )


def get_cart(*, user):
    return Cart(lines=list(CartItem.objects.for_user(user).with_sale_status()))
