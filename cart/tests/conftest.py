from decimal import Decimal

import pytest

from cart.models import CartItem
from catalog.tests.factories import CategoryFactory, ProductFactory


@pytest.fixture(autouse=True)
def gst_at_five_percent(settings):
    settings.TAX_RATE = Decimal("0.05")


@pytest.fixture
def category(db):
    return CategoryFactory()


@pytest.fixture
def product(category):
    return ProductFactory(category=category, price=Decimal("100.00"), stock=10)


@pytest.fixture
def make_line(user):
    """Puts `quantity` of a product in a cart, as an earlier add would have."""

    def make(*, product, quantity=1, owner=None):
        return CartItem.objects.create(
            user=owner or user, product=product, quantity=quantity
        )

    return make
