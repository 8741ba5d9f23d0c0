from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cart.models import CartItem
from catalog.tests.factories import ProductFactory
from coupons.models import Coupon


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    user = factory.SubFactory(UserFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = Coupon.Kind.PERCENT
    value = Decimal("10.00")
    min_subtotal = Decimal("0.00")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    is_active = True
