"""
The one place where money is computed.

Cart totals, coupon validation and checkout all call `price_lines`; no other
code adds, multiplies or rounds money. Every figure is a `Decimal` rounded
half-up to 0.01:

    subtotal = Σ round(unit_price x quantity)
    discount = the coupon's discount on the subtotal, at most the subtotal
    gst      = round(rate x (subtotal - discount))
    total    = subtotal - discount + gst
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The largest amount an order records: its money columns hold 12 digits,
# two of them after the point (orders.models.Order).
MAX_ORDER_AMOUNT = Decimal("9999999999.99")


class DiscountRule(Protocol):
    """What pricing needs to know of a coupon."""

    kind: str  # "fixed" or "percent"
    value: Decimal
    max_discount: Decimal | None


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    gst_rate: Decimal
    gst: Decimal
    total: Decimal


def round_money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    return round_money(Decimal(unit_price) * quantity)


def coupon_discount(rule: DiscountRule | None, subtotal: Decimal) -> Decimal:
    """The discount `rule` gives on `subtotal`: never negative, never above it."""
    if rule is None:
        return ZERO
    if rule.kind == "percent":
        discount = round_money(subtotal * Decimal(rule.value) / 100)
        if rule.max_discount is not None:
            discount = min(discount, round_money(rule.max_discount))
    else:
        discount = round_money(rule.value)
    return max(ZERO, min(discount, subtotal))


def price_lines(
    lines: Iterable[tuple[Decimal, int]],
    *,
    coupon: DiscountRule | None = None,
    gst_rate: Decimal | None = None,
) -> Totals:
    """Totals for `(unit_price, quantity)` lines with an optional coupon."""
    rate = settings.TAX_RATE if gst_rate is None else Decimal(gst_rate)
    subtotal = sum(
        (line_total(price, quantity) for price, quantity in lines), start=ZERO
    )
    discount = coupon_discount(coupon, subtotal)
    gst = round_money((subtotal - discount) * rate)
    return Totals(
        subtotal=subtotal,
        discount=discount,
        gst_rate=rate,
        gst=gst,
        total=subtotal - discount + gst,
    )
