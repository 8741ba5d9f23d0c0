from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from coupons.models import Coupon


class CouponFactory(factory.django.DjangoModelFactory):
    """A fixed coupon that is valid now, with no limits."""

    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"COUPON{n}")
    kind = Coupon.Kind.FIXED
    value = Decimal("50.00")
    min_subtotal = Decimal("0.00")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    is_active = True
