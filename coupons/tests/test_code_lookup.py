import pytest
from django.db import connection

from coupons.models import Coupon

from .factories import CouponFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["SAVE50", "save50", "  Save50 "])
def test_a_code_is_found_in_any_case_and_without_outer_spaces(coupon, typed):
    assert list(Coupon.objects.by_code(typed)) == [coupon]


def test_a_code_that_only_starts_alike_is_not_found(coupon):
    CouponFactory(code="SAVE500")

    assert list(Coupon.objects.by_code("save5").values_list("code")) == []
    assert list(Coupon.objects.by_code("save500").values_list("code")) == [("SAVE500",)]


@pytest.mark.postgres
def test_postgres_looks_a_code_up_in_the_case_insensitive_unique_index(coupon):
    lookup = Coupon.objects.by_code("save50")

    with connection.cursor() as cursor:
        # Few rows would make a sequential scan cheaper; forbid it to see
        # whether the index can serve the lookup at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = lookup.explain()

    assert "coupon_code_ci_unique" in plan
