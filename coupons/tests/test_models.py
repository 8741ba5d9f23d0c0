from decimal import Decimal

import pytest
from django.db import IntegrityError

from coupons.models import Coupon

from .factories import CouponFactory


def test_saving_a_coupon_loaded_before_a_redemption_keeps_the_use(coupon):
    loaded = Coupon.objects.get(pk=coupon.pk)
    Coupon.objects.filter(pk=coupon.pk).update(used_count=2)

    loaded.value = Decimal("75.00")
    loaded.save()

    coupon.refresh_from_db()
    assert (coupon.value, coupon.used_count) == (Decimal("75.00"), 2)


def test_a_new_coupon_is_written_with_the_count_it_is_given(db):
    coupon = CouponFactory(used_count=3, usage_limit=10)

    assert Coupon.objects.get(pk=coupon.pk).used_count == 3


def test_the_database_refuses_a_cap_on_a_fixed_coupon(db):
    with pytest.raises(IntegrityError):
        CouponFactory(kind=Coupon.Kind.FIXED, max_discount=Decimal("10.00"))
