from decimal import Decimal

import pytest

from catalog.tests.factories import CategoryFactory, ProductFactory
from orders import services

from .factories import CartItemFactory, CouponFactory


@pytest.fixture(autouse=True)
def gst_at_five_percent(settings):
    settings.TAX_RATE = Decimal("0.05")


@pytest.fixture
def category(db):
    return CategoryFactory()


@pytest.fixture
def product(category):
    return ProductFactory(
        category=category, name="Teak bowl", price=Decimal("100.00"), stock=10
    )


@pytest.fixture
def other_product(category):
    return ProductFactory(
        category=category, name="Brass lamp", price=Decimal("49.99"), stock=10
    )


@pytest.fixture
def coupon(db):
    return CouponFactory(code="SAVE10", kind="percent", value=Decimal("10.00"))


@pytest.fixture
def put_in_cart(user):
    """Puts `quantity` of `product` in a cart, as the cart API would have."""

    def put(product, quantity=1, *, owner=None):
        return CartItemFactory(user=owner or user, product=product, quantity=quantity)

    return put


@pytest.fixture
def place(user, address):
    """Places an order of `quantity` of each product given, for `user`."""

    def place_(*lines, owner=None, to=None, coupon_code=None):
        owner = owner or user
        for product, quantity in lines:
            CartItemFactory(user=owner, product=product, quantity=quantity)
        return services.place_order(
            user=owner,
            address_id=(to or address).pk,
            coupon_code=coupon_code,
        )

    return place_
