"""
The pricing module's promises, held for any prices, quantities, GST rates and
coupons (hypothesis), and a few bills worked out by hand.
"""

import math
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from orders import pricing

# Enough cases to find an edge, few enough to keep the suite quick.
bounded = hypothesis_settings(max_examples=200, deadline=None)

prices = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2
)
quantities = st.integers(min_value=1, max_value=99)
lines = st.lists(st.tuples(prices, quantities), max_size=20)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)
amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2
)


def rule(kind, value, max_discount=None):
    return SimpleNamespace(kind=kind, value=value, max_discount=max_discount)


coupons = st.one_of(
    st.none(),
    st.builds(rule, st.just("fixed"), amounts),
    st.builds(
        rule,
        st.just("percent"),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
        st.one_of(st.none(), amounts),
    ),
)


def has_two_places(amount):
    return amount.as_tuple().exponent == -2


def half_up_to_the_cent(amount):
    """
    `amount` (zero or more) rounded to the cent with a half cent going up,
    worked out in exact fractions, apart from the code under test.
    """
    cents = math.floor(Fraction(amount) * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


@bounded
@given(lines=lines, coupon=coupons, rate=rates)
def test_every_bill_adds_up_in_whole_cents_and_nothing_is_negative(lines, coupon, rate):
    totals = pricing.price_lines(lines, coupon=coupon, gst_rate=rate)

    figures = [totals.subtotal, totals.discount, totals.gst, totals.total]
    assert all(has_two_places(figure) for figure in figures)
    assert all(figure >= 0 for figure in figures)
    assert totals.total == totals.subtotal - totals.discount + totals.gst
    assert 0 <= totals.discount <= totals.subtotal
    assert totals.gst_rate == rate


@bounded
@given(lines=lines, coupon=coupons, rate=rates)
def test_the_subtotal_is_the_sum_of_rounded_lines_and_gst_is_on_the_discounted_sum(
    lines, coupon, rate
):
    totals = pricing.price_lines(lines, coupon=coupon, gst_rate=rate)

    expected_subtotal = sum(
        (pricing.line_total(price, quantity) for price, quantity in lines),
        start=Decimal("0.00"),
    )
    assert totals.subtotal == expected_subtotal
    expected_gst = half_up_to_the_cent(
        Fraction(totals.subtotal - totals.discount) * Fraction(rate)
    )
    assert totals.gst == expected_gst


@bounded
@given(cents=st.integers(min_value=0, max_value=10**9))
def test_gst_exactly_on_half_a_cent_rounds_up(cents):
    # 5% of (20n + 10) cents is exactly n + 0.5 cents.
    base = Decimal(20 * cents + 10).scaleb(-2)

    totals = pricing.price_lines([(base, 1)], gst_rate=Decimal("0.05"))

    assert totals.gst == Decimal(cents + 1).scaleb(-2)
    assert has_two_places(totals.gst)


@bounded
@given(subtotal=amounts.map(pricing.round_money), coupon=coupons)
def test_a_discount_is_never_more_than_the_coupon_allows(subtotal, coupon):
    discount = pricing.coupon_discount(coupon, subtotal)

    assert has_two_places(discount)
    assert 0 <= discount <= subtotal
    if coupon is None:
        assert discount == 0
    elif coupon.kind == "fixed":
        assert discount == min(pricing.round_money(coupon.value), subtotal)
    else:
        assert discount <= pricing.round_money(subtotal * coupon.value / 100)
        if coupon.max_discount is not None:
            assert discount <= pricing.round_money(coupon.max_discount)


@bounded
@given(amount=st.decimals(min_value=0, max_value=10**9, places=6))
def test_rounding_lands_on_the_nearest_cent(amount):
    rounded = pricing.round_money(amount)

    assert has_two_places(rounded)
    assert abs(rounded - amount) <= Decimal("0.005")


# Worked examples


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.125", "0.13"),
        ("0.124", "0.12"),
        ("0.135", "0.14"),
        ("2.675", "2.68"),
        ("0.005", "0.01"),
        ("0.004999", "0.00"),
        ("10", "10.00"),
        ("0", "0.00"),
    ],
)
def test_half_a_cent_rounds_up(amount, expected):
    assert str(pricing.round_money(Decimal(amount))) == expected


@pytest.mark.parametrize(
    ("base", "rate", "gst"),
    [
        # Half-even gets the first three wrong; truncation all but one.
        ("0.10", "0.05", "0.01"),
        ("0.50", "0.05", "0.03"),
        ("0.25", "0.18", "0.05"),
        ("0.30", "0.05", "0.02"),
        ("12.30", "0.05", "0.62"),
    ],
)
def test_gst_of_exactly_half_a_cent_is_rounded_up(base, rate, gst):
    totals = pricing.price_lines([(Decimal(base), 1)], gst_rate=Decimal(rate))

    assert (totals.gst, totals.total) == (
        Decimal(gst),
        Decimal(base) + Decimal(gst),
    )


def test_gst_on_half_a_cent_after_a_discount_is_rounded_up():
    totals = pricing.price_lines(
        [(Decimal("1.00"), 1)],
        coupon=rule("fixed", Decimal("0.90")),
        gst_rate=Decimal("0.05"),
    )

    # 5% of 0.10 is 0.005, which rounds half-up to 0.01.
    assert (totals.subtotal, totals.discount, totals.gst, totals.total) == (
        Decimal("1.00"),
        Decimal("0.90"),
        Decimal("0.01"),
        Decimal("0.11"),
    )


def test_a_line_total_is_price_times_quantity():
    assert str(pricing.line_total(Decimal("19.99"), 3)) == "59.97"


def test_a_bill_without_a_coupon_adds_gst_to_the_subtotal():
    totals = pricing.price_lines(
        [(Decimal("100.00"), 2), (Decimal("49.99"), 1)], gst_rate=Decimal("0.05")
    )

    # 249.99 x 5% = 12.4995, which rounds half-up to 12.50.
    assert (totals.subtotal, totals.discount, totals.gst, totals.total) == (
        Decimal("249.99"),
        Decimal("0.00"),
        Decimal("12.50"),
        Decimal("262.49"),
    )


def test_gst_is_charged_on_the_subtotal_after_the_discount():
    totals = pricing.price_lines(
        [(Decimal("100.00"), 2)],
        coupon=rule("fixed", Decimal("50.00")),
        gst_rate=Decimal("0.05"),
    )

    assert (totals.subtotal, totals.discount, totals.gst, totals.total) == (
        Decimal("200.00"),
        Decimal("50.00"),
        Decimal("7.50"),
        Decimal("157.50"),
    )


def test_a_percent_discount_rounds_half_up_to_the_cent():
    totals = pricing.price_lines(
        [(Decimal("0.25"), 1)],
        coupon=rule("percent", Decimal("50.00")),
        gst_rate=Decimal("0.05"),
    )

    # Half of 0.25 is 0.125 -> 0.13; GST on 0.12 is 0.006 -> 0.01.
    assert (totals.discount, totals.gst, totals.total) == (
        Decimal("0.13"),
        Decimal("0.01"),
        Decimal("0.13"),
    )


def test_a_percent_discount_stops_at_its_cap():
    totals = pricing.price_lines(
        [(Decimal("1000.00"), 1)],
        coupon=rule("percent", Decimal("20.00"), Decimal("150.00")),
        gst_rate=Decimal("0.05"),
    )

    assert (totals.discount, totals.gst, totals.total) == (
        Decimal("150.00"),
        Decimal("42.50"),
        Decimal("892.50"),
    )


def test_a_fixed_coupon_worth_more_than_the_cart_makes_it_free():
    totals = pricing.price_lines(
        [(Decimal("30.00"), 1)],
        coupon=rule("fixed", Decimal("500.00")),
        gst_rate=Decimal("0.05"),
    )

    assert (totals.discount, totals.gst, totals.total) == (
        Decimal("30.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_an_empty_cart_costs_nothing_even_with_a_coupon():
    totals = pricing.price_lines([], coupon=rule("fixed", Decimal("50.00")))

    assert (totals.subtotal, totals.discount, totals.gst, totals.total) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_the_gst_rate_comes_from_settings_when_not_given(settings):
    settings.TAX_RATE = Decimal("0.18")

    totals = pricing.price_lines([(Decimal("100.00"), 1)])

    assert (totals.gst_rate, totals.gst, totals.total) == (
        Decimal("0.18"),
        Decimal("18.00"),
        Decimal("118.00"),
    )
