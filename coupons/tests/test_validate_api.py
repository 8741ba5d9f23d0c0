from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cart.models import CartItem
from catalog.tests.factories import ProductFactory
from coupons.models import Coupon, CouponRedemption

from .factories import CouponFactory

VALIDATE = "/api/coupons/validate/"


def error_codes(response):
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def nothing_redeemed():
    return (
        not CouponRedemption.objects.exists()
        and not Coupon.objects.filter(used_count__gt=0).exists()
    )


def test_a_fixed_coupon_gives_its_value_off_the_cart_before_gst(
    user_client, coupon, cart_of_200
):
    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "code": "SAVE50",
        "kind": "fixed",
        "value": "50.00",
        "discount": "50.00",
        "subtotal": "200.00",
        "gst": "7.50",
        "total": "157.50",
    }
    assert nothing_redeemed()


def test_the_code_is_matched_ignoring_case_and_surrounding_spaces(
    user_client, coupon, cart_of_200
):
    response = user_client.post(VALIDATE, {"code": "  save50 "}, format="json")

    assert response.status_code == 200
    assert response.json()["code"] == "SAVE50"


def test_a_percent_coupon_takes_its_share_of_the_subtotal(user_client, cart_of_200):
    CouponFactory(code="TENOFF", kind="percent", value=Decimal("12.50"))

    body = user_client.post(VALIDATE, {"code": "TENOFF"}, format="json").json()

    # 12.5% of 200.00 is 25.00; GST is 5% of 175.00.
    assert (body["kind"], body["value"], body["discount"]) == (
        "percent",
        "12.50",
        "25.00",
    )
    assert (body["gst"], body["total"]) == ("8.75", "183.75")


def test_a_percent_coupon_is_capped_by_its_max_discount(user_client, cart_of_200):
    CouponFactory(
        code="HALF",
        kind="percent",
        value=Decimal("50.00"),
        max_discount=Decimal("30.00"),
    )

    body = user_client.post(VALIDATE, {"code": "HALF"}, format="json").json()

    assert (body["discount"], body["gst"], body["total"]) == (
        "30.00",
        "8.50",
        "178.50",
    )


def test_a_fixed_coupon_larger_than_the_cart_takes_off_no_more_than_the_subtotal(
    user_client, cart_of_200
):
    CouponFactory(code="BIG", kind="fixed", value=Decimal("500.00"))

    body = user_client.post(VALIDATE, {"code": "BIG"}, format="json").json()

    assert (body["discount"], body["subtotal"], body["gst"], body["total"]) == (
        "200.00",
        "200.00",
        "0.00",
        "0.00",
    )


def test_only_purchasable_lines_count_towards_the_discount(
    user_client, user, cart_of_200
):
    switched_off = ProductFactory(price=Decimal("999.00"), is_active=False)
    CartItem.objects.create(user=user, product=switched_off, quantity=1)
    CouponFactory(code="TENOFF", kind="percent", value=Decimal("10.00"))

    body = user_client.post(VALIDATE, {"code": "TENOFF"}, format="json").json()

    assert (body["subtotal"], body["discount"]) == ("200.00", "20.00")


def test_a_coupon_used_within_its_limits_is_still_accepted(
    user_client, user, coupon, cart_of_200, redeem
):
    coupon.usage_limit = 5
    coupon.per_user_limit = 2
    coupon.save()
    redeem(coupon, user)

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert response.status_code == 200


def test_a_minimum_subtotal_that_is_exactly_met_is_accepted(
    user_client, coupon, cart_of_200
):
    coupon.min_subtotal = Decimal("200.00")
    coupon.save()

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert response.status_code == 200


# Refusals: each a 400 whose code names the reason, on the `code` field.


def refused(response, reason):
    assert response.status_code == 400
    assert error_codes(response) == [(reason, "code")]
    return True


def test_an_unknown_code_is_refused(user_client, coupon, cart_of_200):
    response = user_client.post(VALIDATE, {"code": "NOPE"}, format="json")

    assert refused(response, "coupon_unknown")
    assert response.json()["errors"][0]["detail"] == "No coupon has this code."


def test_an_inactive_coupon_is_refused(user_client, coupon, cart_of_200):
    coupon.is_active = False
    coupon.save()

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert refused(response, "coupon_inactive")


def test_a_coupon_before_its_start_is_refused(user_client, coupon, cart_of_200):
    coupon.valid_from = timezone.now() + timedelta(hours=1)
    coupon.save()

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert refused(response, "coupon_not_yet_valid")


def test_a_coupon_after_its_end_is_refused(user_client, coupon, cart_of_200):
    coupon.valid_from = timezone.now() - timedelta(days=10)
    coupon.valid_to = timezone.now() - timedelta(seconds=1)
    coupon.save()

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert refused(response, "coupon_expired")


def test_a_coupon_whose_uses_are_all_taken_is_refused(
    user_client, other_user, coupon, cart_of_200, redeem
):
    coupon.usage_limit = 1
    coupon.save()
    redeem(coupon, other_user)

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert refused(response, "coupon_used_up")


def test_a_coupon_the_user_already_used_up_to_their_limit_is_refused(
    user_client, user, coupon, cart_of_200, redeem
):
    coupon.per_user_limit = 1
    coupon.save()
    redeem(coupon, user)

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert refused(response, "coupon_already_used")


def test_another_users_redemption_does_not_count_against_the_per_user_limit(
    user_client, other_user, coupon, cart_of_200, redeem
):
    coupon.per_user_limit = 1
    coupon.save()
    redeem(coupon, other_user)

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert response.status_code == 200


def test_a_cart_below_the_minimum_subtotal_is_refused(user_client, coupon, cart_of_200):
    coupon.min_subtotal = Decimal("200.01")
    coupon.save()

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert refused(response, "coupon_minimum_not_met")


def test_lines_that_cannot_be_bought_do_not_count_towards_the_minimum(
    user_client, user, coupon
):
    product = ProductFactory(price=Decimal("500.00"), stock=1)
    CartItem.objects.create(user=user, product=product, quantity=2)
    coupon.min_subtotal = Decimal("100.00")
    coupon.save()

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert refused(response, "coupon_minimum_not_met")


def test_a_coupon_on_an_empty_cart_is_refused(user_client, coupon):
    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("cart_empty", None)]


def test_another_users_cart_is_not_the_one_priced(
    user_client, other_user, coupon, product
):
    CartItem.objects.create(user=other_user, product=product, quantity=2)

    response = user_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert error_codes(response) == [("cart_empty", None)]


# Bad input


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [("required", "code")]),
        ({"code": ""}, [("blank", "code")]),
        ({"code": "   "}, [("blank", "code")]),
        ({"code": None}, [("null", "code")]),
        ({"code": "X" * 41}, [("max_length", "code")]),
        ({"code": ["SAVE50"]}, [("invalid", "code")]),
        ({"code": {"a": 1}}, [("invalid", "code")]),
    ],
)
def test_bad_validate_input_is_refused(
    user_client, coupon, cart_of_200, body, expected
):
    response = user_client.post(VALIDATE, body, format="json")

    assert response.status_code == 400
    assert error_codes(response) == expected
    assert nothing_redeemed()


def test_a_json_list_instead_of_an_object_is_refused(user_client, coupon, cart_of_200):
    response = user_client.post(VALIDATE, [{"code": "SAVE50"}], format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("invalid", "non_field_errors")]


# Who may validate


@pytest.mark.django_db
def test_a_guest_may_not_validate_a_coupon(api_client, coupon):
    response = api_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert response.status_code == 401
    assert error_codes(response) == [("not_authenticated", None)]


def test_staff_may_not_validate_a_coupon(staff_client, coupon):
    response = staff_client.post(VALIDATE, {"code": "SAVE50"}, format="json")

    assert response.status_code == 403
    assert error_codes(response) == [("permission_denied", None)]


def test_validate_answers_only_post(user_client, coupon):
    response = user_client.get(VALIDATE)

    assert response.status_code == 405
