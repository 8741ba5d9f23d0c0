from datetime import UTC, datetime
from decimal import Decimal

import pytest

from coupons.models import Coupon

from .factories import CouponFactory

COUPONS = "/api/admin/coupons/"


def coupon_url(pk):
    return f"/api/admin/coupons/{pk}/"


def error_codes(response):
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def stored_codes():
    return sorted(Coupon.objects.values_list("code", flat=True))


def percent_body(**changes):
    return {
        "code": "SPRING20",
        "kind": "percent",
        "value": "20.00",
        "min_subtotal": "500.00",
        "max_discount": "150.00",
        "valid_from": "2026-03-01T00:00:00Z",
        "valid_to": "2026-04-01T00:00:00Z",
        "is_active": True,
        "usage_limit": 100,
        "per_user_limit": 1,
        **changes,
    }


def test_staff_create_a_coupon_and_get_it_back_whole(staff_client):
    response = staff_client.post(COUPONS, percent_body(), format="json")

    assert response.status_code == 201
    body = response.json()
    coupon = Coupon.objects.get()
    assert body == {
        "id": coupon.pk,
        "code": "SPRING20",
        "kind": "percent",
        "value": "20.00",
        "min_subtotal": "500.00",
        "max_discount": "150.00",
        "valid_from": body["valid_from"],
        "valid_to": body["valid_to"],
        "is_active": True,
        "usage_limit": 100,
        "per_user_limit": 1,
        "used_count": 0,
        "created_at": body["created_at"],
    }
    assert datetime.fromisoformat(body["valid_from"]) == datetime(
        2026, 3, 1, tzinfo=UTC
    )
    assert datetime.fromisoformat(body["valid_to"]) == datetime(2026, 4, 1, tzinfo=UTC)


def test_a_minimal_fixed_coupon_takes_the_defaults(staff_client):
    response = staff_client.post(
        COUPONS, {"code": "FLAT50", "kind": "fixed", "value": "50"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["value"], body["min_subtotal"], body["max_discount"]) == (
        "50.00",
        "0.00",
        None,
    )
    assert (body["valid_to"], body["usage_limit"], body["per_user_limit"]) == (
        None,
        None,
        None,
    )
    assert body["is_active"] is True


def test_staff_list_every_coupon_newest_first_in_pages(staff_client):
    older = CouponFactory(code="OLD")
    newer = CouponFactory(code="NEW", is_active=False)

    response = staff_client.get(COUPONS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [c["id"] for c in body["results"]] == [newer.pk, older.pk]


def test_staff_read_one_coupon(staff_client, coupon):
    response = staff_client.get(coupon_url(coupon.pk))

    assert response.status_code == 200
    assert response.json()["code"] == "SAVE50"


def test_reading_an_unknown_coupon_is_not_found(staff_client):
    response = staff_client.get(coupon_url(999_999))

    assert response.status_code == 404
    assert error_codes(response) == [("not_found", None)]


def test_staff_patch_one_field(staff_client, coupon):
    response = staff_client.patch(
        coupon_url(coupon.pk), {"is_active": False}, format="json"
    )

    assert response.status_code == 200
    coupon.refresh_from_db()
    assert coupon.is_active is False
    assert coupon.value == Decimal("50.00")


def test_staff_replace_a_coupon_with_put(staff_client, coupon):
    response = staff_client.put(
        coupon_url(coupon.pk), percent_body(code="save50"), format="json"
    )

    assert response.status_code == 200
    coupon.refresh_from_db()
    assert (coupon.code, coupon.kind, coupon.value) == (
        "save50",
        "percent",
        Decimal("20.00"),
    )


def test_used_count_cannot_be_set_by_staff(staff_client, coupon):
    created = staff_client.post(
        COUPONS, percent_body(used_count=7), format="json"
    ).json()
    patched = staff_client.patch(
        coupon_url(coupon.pk), {"used_count": 7}, format="json"
    )

    assert created["used_count"] == 0
    assert patched.status_code == 200
    coupon.refresh_from_db()
    assert coupon.used_count == 0


# Validation that mirrors the database checks


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"value": "100.01"}, [("max_value", "value")]),
        ({"value": "0"}, [("min_value", "value")]),
        ({"value": "-5"}, [("min_value", "value")]),
        ({"value": "abc"}, [("invalid", "value")]),
        ({"value": "1e12"}, [("max_digits", "value")]),
        ({"value": "10.005"}, [("max_decimal_places", "value")]),
        ({"value": None}, [("null", "value")]),
        ({"min_subtotal": "-1"}, [("min_value", "min_subtotal")]),
        ({"max_discount": "0"}, [("min_value", "max_discount")]),
        ({"valid_to": "2026-03-01T00:00:00Z"}, [("ends_before_start", "valid_to")]),
        ({"valid_to": "2026-02-01T00:00:00Z"}, [("ends_before_start", "valid_to")]),
        ({"valid_from": "yesterday"}, [("invalid", "valid_from")]),
        ({"usage_limit": 0}, [("min_value", "usage_limit")]),
        ({"per_user_limit": -1}, [("min_value", "per_user_limit")]),
        ({"usage_limit": "lots"}, [("invalid", "usage_limit")]),
        # Over what the database's integer holds: a 400, not a server error.
        ({"usage_limit": 2**31}, [("max_value", "usage_limit")]),
        ({"per_user_limit": 10**20}, [("max_value", "per_user_limit")]),
        # Python's date parser would stop at the NUL and take the rest as read.
        ({"valid_from": "2026-03-01T00:00:00Z\x00junk"}, [("invalid", "valid_from")]),
        ({"valid_to": "2026-04-01T00:00:00\x00+05:00"}, [("invalid", "valid_to")]),
        ({"kind": "bogof"}, [("invalid_choice", "kind")]),
        ({"code": ""}, [("blank", "code")]),
        ({"code": "X" * 41}, [("max_length", "code")]),
        ({"code": "TWO WORDS"}, [("invalid", "code")]),
        ({"is_active": "perhaps"}, [("invalid", "is_active")]),
    ],
)
def test_a_coupon_that_breaks_a_rule_is_refused_and_not_written(
    staff_client, changes, expected
):
    response = staff_client.post(COUPONS, percent_body(**changes), format="json")

    assert response.status_code == 400
    assert error_codes(response) == expected
    assert stored_codes() == []


def test_a_cap_on_a_fixed_coupon_is_refused(staff_client):
    response = staff_client.post(
        COUPONS,
        {"code": "FLAT", "kind": "fixed", "value": "50", "max_discount": "20"},
        format="json",
    )

    assert response.status_code == 400
    assert error_codes(response) == [("cap_needs_percent", "max_discount")]
    assert stored_codes() == []


def test_a_fixed_coupon_may_be_worth_more_than_100(staff_client):
    response = staff_client.post(
        COUPONS, {"code": "FLAT500", "kind": "fixed", "value": "500"}, format="json"
    )

    assert response.status_code == 201


@pytest.mark.parametrize("code", ["SAVE50", "save50", "Save50", " SAVE50 "])
def test_a_code_already_taken_in_any_case_is_refused(staff_client, coupon, code):
    response = staff_client.post(COUPONS, percent_body(code=code), format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("unique", "code")]
    assert stored_codes() == ["SAVE50"]


def test_a_coupon_may_keep_its_own_code_on_update(staff_client, coupon):
    response = staff_client.patch(
        coupon_url(coupon.pk), {"code": "save50"}, format="json"
    )

    assert response.status_code == 200
    assert stored_codes() == ["save50"]


def test_renaming_a_coupon_to_another_ones_code_is_refused(staff_client, coupon):
    other = CouponFactory(code="OTHER")

    response = staff_client.patch(
        coupon_url(other.pk), {"code": "Save50"}, format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == [("unique", "code")]
    assert stored_codes() == ["OTHER", "SAVE50"]


def test_a_patch_is_checked_against_the_fields_already_stored(staff_client):
    coupon = CouponFactory(kind="fixed", value=Decimal("150.00"))

    response = staff_client.patch(
        coupon_url(coupon.pk), {"kind": "percent"}, format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == [("max_value", "value")]
    coupon.refresh_from_db()
    assert coupon.kind == "fixed"


def test_a_patch_cannot_end_a_coupon_before_its_stored_start(staff_client, coupon):
    response = staff_client.patch(
        coupon_url(coupon.pk),
        {"valid_to": coupon.valid_from.isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert error_codes(response) == [("ends_before_start", "valid_to")]
    coupon.refresh_from_db()
    assert coupon.valid_to is None


def test_the_usage_limit_cannot_drop_below_the_uses_already_made(
    staff_client, coupon, user, other_user, redeem
):
    redeem(coupon, user)
    redeem(coupon, other_user)

    response = staff_client.patch(
        coupon_url(coupon.pk), {"usage_limit": 1}, format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == [("below_used_count", "usage_limit")]
    coupon.refresh_from_db()
    assert coupon.usage_limit is None


def test_a_json_list_instead_of_an_object_is_refused(staff_client):
    response = staff_client.post(COUPONS, [percent_body()], format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("invalid", "non_field_errors")]
    assert stored_codes() == []


# Deleting


def test_an_unused_coupon_can_be_deleted(staff_client, coupon):
    response = staff_client.delete(coupon_url(coupon.pk))

    assert response.status_code == 204
    assert stored_codes() == []


def test_a_used_coupon_cannot_be_deleted_and_deactivation_is_suggested(
    staff_client, coupon, user, redeem
):
    redeem(coupon, user)

    response = staff_client.delete(coupon_url(coupon.pk))

    assert response.status_code == 409
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "coupon_in_use",
                "detail": "This coupon has been used and cannot be deleted; "
                "set is_active to false to stop further use.",
                "attr": None,
            }
        ],
    }
    assert stored_codes() == ["SAVE50"]


def test_deleting_an_unknown_coupon_is_not_found(staff_client):
    response = staff_client.delete(coupon_url(999_999))

    assert response.status_code == 404


# Who may manage coupons

ROUTES = [
    ("get", COUPONS, None),
    ("post", COUPONS, percent_body()),
    ("get", "detail", None),
    ("put", "detail", percent_body()),
    ("patch", "detail", {"is_active": False}),
    ("delete", "detail", None),
]


def call(client, method, path, body, coupon):
    if path == "detail":
        path = coupon_url(coupon.pk)
    return getattr(client, method)(path, body, format="json")


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_customers_may_not_manage_coupons(user_client, coupon, method, path, body):
    response = call(user_client, method, path, body, coupon)

    assert response.status_code == 403
    assert error_codes(response) == [("permission_denied", None)]
    coupon.refresh_from_db()
    assert (stored_codes(), coupon.is_active) == (["SAVE50"], True)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_guests_may_not_manage_coupons(api_client, coupon, method, path, body):
    response = call(api_client, method, path, body, coupon)

    assert response.status_code == 401
    coupon.refresh_from_db()
    assert (stored_codes(), coupon.is_active) == (["SAVE50"], True)
