from datetime import timedelta

import pytest
from django.utils import timezone

from .factories import CouponFactory

CHANGELIST = "/admin/coupons/coupon/"


@pytest.fixture
def coupons_by_validity(db):
    now = timezone.now()
    return {
        "current": CouponFactory(code="CURRENT", valid_to=now + timedelta(days=1)),
        "upcoming": CouponFactory(code="UPCOMING", valid_from=now + timedelta(days=1)),
        "expired": CouponFactory(
            code="EXPIRED",
            valid_from=now - timedelta(days=5),
            valid_to=now - timedelta(days=1),
        ),
    }


def listed_codes(response):
    return sorted(coupon.code for coupon in response.context["cl"].result_list)


def test_the_coupon_list_shows_usage_against_the_limit(admin_client):
    CouponFactory(code="LIMITED", usage_limit=100, used_count=3)
    CouponFactory(code="OPEN")

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "3 / 100" in html
    assert "0 / ∞" in html


@pytest.mark.parametrize(
    ("validity", "expected"),
    [("current", ["CURRENT"]), ("upcoming", ["UPCOMING"]), ("expired", ["EXPIRED"])],
)
def test_the_coupon_list_filters_by_validity(
    admin_client, coupons_by_validity, validity, expected
):
    response = admin_client.get(CHANGELIST, {"validity": validity})

    assert listed_codes(response) == expected


def test_the_coupon_list_filters_by_active_flag(admin_client):
    CouponFactory(code="ON")
    CouponFactory(code="OFF", is_active=False)

    response = admin_client.get(CHANGELIST, {"is_active__exact": "0"})

    assert listed_codes(response) == ["OFF"]


def test_the_coupon_list_searches_codes(admin_client):
    CouponFactory(code="SUMMER10")
    CouponFactory(code="WINTER10")

    response = admin_client.get(CHANGELIST, {"q": "summer"})

    assert listed_codes(response) == ["SUMMER10"]


def test_the_admin_form_refuses_a_cap_on_a_fixed_coupon(admin_client):
    response = admin_client.post(
        "/admin/coupons/coupon/add/",
        {
            "code": "FLAT",
            "kind": "fixed",
            "value": "50",
            "min_subtotal": "0",
            "max_discount": "20",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "max_discount": ["Only a percentage coupon takes a cap; leave it empty."]
    }
