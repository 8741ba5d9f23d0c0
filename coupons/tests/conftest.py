from decimal import Decimal

import pytest

from cart.models import CartItem
from catalog.tests.factories import ProductFactory
from coupons.services import redeem_coupon
from orders.models import Order

from .factories import CouponFactory


@pytest.fixture(autouse=True)
def gst_at_five_percent(settings):
    settings.TAX_RATE = Decimal("0.05")


@pytest.fixture
def coupon(db):
    return CouponFactory(code="SAVE50", kind="fixed", value=Decimal("50.00"))


@pytest.fixture
def product(db):
    return ProductFactory(price=Decimal("100.00"), stock=10)


@pytest.fixture
def cart_of_200(user, product):
    """Two of a 100.00 product in the user's cart."""
    return CartItem.objects.create(user=user, product=product, quantity=2)


@pytest.fixture
def redeem():
    """Uses `coupon` on a new order of `customer`, as checkout would."""

    def redeem_(coupon, customer):
        order = Order.objects.create(
            user=customer,
            shipping_full_name="A Customer",
            shipping_phone="+919800000000",
            shipping_street="1 MG Road",
            shipping_city="Pune",
            shipping_state="Maharashtra",
            shipping_pincode="411001",
            shipping_address="1 MG Road, Pune 411001",
            coupon=coupon,
            coupon_code=coupon.code,
            subtotal=Decimal("200.00"),
            discount=Decimal("50.00"),
            gst_rate=Decimal("0.05"),
            gst=Decimal("7.50"),
            total=Decimal("157.50"),
        )
        redeem_coupon(coupon=coupon, user=customer, order=order)
        coupon.refresh_from_db()
        return order

    return redeem_
