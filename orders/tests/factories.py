from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from cart.models import CartItem
from catalog.tests.factories import ProductFactory
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory as FixedCouponFactory


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    user = factory.SubFactory(UserFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class CouponFactory(FixedCouponFactory):
    """A 10% coupon that is valid now, with no limits."""

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = Coupon.Kind.PERCENT
    value = Decimal("10.00")
