"""
No mass assignment: each writable route gets its ordinary body plus every
field a client must not set (staff flags, owners, statuses, stock, prices,
totals, use counts, tree bookkeeping, ids and timestamps). The request does
what the ordinary body asks and nothing more: the rows that change are
exactly the expected ones, and new rows carry the server's values.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import Address, User
from accounts.tests.factories import DEFAULT_PASSWORD
from cart.models import CartItem
from catalog.models import Category, Product
from coupons.models import Coupon
from orders.models import Order, OrderLine

from .conftest import changes, snapshot

NEW_PASSWORD = "a-new-and-longer-passphrase-7"
LONG_AGO = "2000-01-01T00:00:00Z"
FORGED_ID = 987_654


def forbidden(shop):
    """Everything a client might try to slip into a body."""
    return {
        "id": FORGED_ID,
        "pk": FORGED_ID,
        "user": shop.other.pk,
        "user_id": shop.other.pk,
        "owner": shop.other.pk,
        "email": "taken-over@example.com",
        "password": "plain-text-password",
        "is_staff": True,
        "is_superuser": True,
        "is_active": False,
        "role": "admin",
        "groups": [1],
        "user_permissions": [1],
        "date_joined": LONG_AGO,
        "status": "delivered",
        "stock": 0,
        "price": "0.01",
        "unit_price": "0.01",
        "line_total": "0.01",
        "subtotal": "0.01",
        "discount": "9999.00",
        "gst": "0.00",
        "gst_rate": "0.0000",
        "total": "0.01",
        "item_count": 0,
        "coupon_code": "FREE",
        "used_count": 999,
        "is_hidden_by_user": True,
        "product": shop.spare_product.pk,
        "in_stock": False,
        "path": "0009",
        "depth": 9,
        "numchild": 9,
        "children_count": 9,
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
    }


@dataclass(frozen=True)
class Attempt:
    role: str
    method: str
    path: Any  # shop -> path
    body: Any  # shop -> the fields the route really takes
    expect: Any  # shop -> the changes, new rows as "+Label"
    status: int
    # Fields the route rightly takes from this role: not stuffed.
    takes: tuple = ()


def address_fields(shop):
    return {
        "full_name": "Asha Rao",
        "phone": "+91 98000 00000",
        "street": "12 Lake Road",
        "city": "Mumbai",
        "state": "Maharashtra",
        "pincode": "400001",
    }


def coupon_fields(shop):
    return {
        "code": "WELCOME",
        "kind": "percent",
        "value": "10.00",
        "valid_from": "2024-01-01T00:00:00Z",
    }


ATTEMPTS = {
    "customer renames themselves": Attempt(
        "user",
        "PATCH",
        lambda s: "/api/auth/me/",
        lambda s: {"name": "Renamed"},
        lambda s: {f"accounts.User#{s.user.pk}.name"},
        200,
    ),
    "staff renames themselves": Attempt(
        "staff",
        "PATCH",
        lambda s: "/api/auth/me/",
        lambda s: {"name": "Renamed", "is_staff": False},
        lambda s: {f"accounts.User#{s.staff.pk}.name"},
        200,
    ),
    "guest signs up": Attempt(
        "guest",
        "POST",
        lambda s: "/api/auth/signup/",
        lambda s: {"email": "new@example.com", "name": "New", "password": NEW_PASSWORD},
        lambda s: {"+accounts.User", "+knox.AuthToken"},
        201,
    ),
    "guest logs in": Attempt(
        "guest",
        "POST",
        lambda s: "/api/auth/login/",
        lambda s: {"email": s.user.email, "password": DEFAULT_PASSWORD},
        lambda s: {"+knox.AuthToken"},
        200,
    ),
    "customer changes their password": Attempt(
        "user",
        "POST",
        lambda s: "/api/auth/password/",
        lambda s: {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        lambda s: {
            f"accounts.User#{s.user.pk}.password",
            f"-knox.AuthToken#{token_of(s.user)}",
            "+knox.AuthToken",
        },
        200,
    ),
    "guest asks for a reset link": Attempt(
        "guest",
        "POST",
        lambda s: "/api/auth/password/reset/",
        lambda s: {"email": s.user.email},
        lambda s: set(),
        202,
    ),
    "guest resets a password": Attempt(
        "guest",
        "POST",
        lambda s: "/api/auth/password/reset/confirm/",
        lambda s: {**s.reset_link("user"), "new_password": NEW_PASSWORD},
        lambda s: {
            f"accounts.User#{s.user.pk}.password",
            f"-knox.AuthToken#{token_of(s.user)}",
        },
        200,
    ),
    "customer adds an address": Attempt(
        "user",
        "POST",
        lambda s: "/api/auth/addresses/",
        address_fields,
        lambda s: {"+accounts.Address"},
        201,
    ),
    "customer replaces an address": Attempt(
        "user",
        "PUT",
        lambda s: f"/api/auth/addresses/{s.address.pk}/",
        address_fields,
        lambda s: {
            f"accounts.Address#{s.address.pk}.{column}"
            for column in ("full_name", "phone", "street", "city", "pincode")
        },
        200,
    ),
    "customer edits an address": Attempt(
        "user",
        "PATCH",
        lambda s: f"/api/auth/addresses/{s.address.pk}/",
        lambda s: {"city": "Mumbai"},
        lambda s: {f"accounts.Address#{s.address.pk}.city"},
        200,
    ),
    "customer adds to the cart": Attempt(
        "user",
        "POST",
        lambda s: "/api/cart/add/",
        lambda s: {"product_id": s.spare_product.pk, "quantity": 1},
        lambda s: {"+cart.CartItem"},
        200,
    ),
    "customer changes a cart line": Attempt(
        "user",
        "PUT",
        lambda s: "/api/cart/update/",
        lambda s: {"item_id": s.cart_item.pk, "quantity": 3},
        lambda s: {
            f"cart.CartItem#{s.cart_item.pk}.quantity",
            f"cart.CartItem#{s.cart_item.pk}.updated_at",
        },
        200,
    ),
    "customer tries a coupon": Attempt(
        "user",
        "POST",
        lambda s: "/api/coupons/validate/",
        lambda s: {"code": s.coupon.code},
        lambda s: set(),
        200,
    ),
    "customer checks out": Attempt(
        "user",
        "POST",
        lambda s: "/api/orders/checkout/",
        lambda s: {"address_id": s.address.pk},
        lambda s: {
            "+orders.Order",
            "+orders.OrderLine",
            "+orders.OrderStatusChange",
            f"-cart.CartItem#{s.cart_item.pk}",
            f"catalog.Product#{s.product.pk}.stock",
            f"catalog.Product#{s.product.pk}.updated_at",
        },
        201,
    ),
    "customer cancels an order": Attempt(
        "user",
        "POST",
        lambda s: f"/api/orders/{s.order.pk}/cancel/",
        lambda s: {},
        lambda s: {
            f"orders.Order#{s.order.pk}.status",
            f"orders.Order#{s.order.pk}.updated_at",
            "+orders.OrderStatusChange",
            f"catalog.Product#{s.spare_product.pk}.stock",
            f"catalog.Product#{s.spare_product.pk}.updated_at",
        },
        200,
    ),
    "customer hides a finished order": Attempt(
        "user",
        "DELETE",
        lambda s: f"/api/orders/{s.finished_order.pk}/delete/",
        lambda s: {},
        lambda s: {f"orders.Order#{s.finished_order.pk}.is_hidden_by_user"},
        204,
    ),
    "staff move an order on": Attempt(
        "staff",
        "PATCH",
        lambda s: f"/api/orders/{s.order.pk}/status/",
        lambda s: {"status": "packing"},
        lambda s: {
            f"orders.Order#{s.order.pk}.status",
            f"orders.Order#{s.order.pk}.updated_at",
            "+orders.OrderStatusChange",
        },
        200,
    ),
    "staff add a product": Attempt(
        "staff",
        "POST",
        lambda s: "/api/admin/products/",
        lambda s: {
            "name": "Clay pot",
            "price": "12.50",
            "stock": 3,
            "category": s.category.pk,
        },
        lambda s: {"+catalog.Product"},
        201,
        takes=("is_active",),
    ),
    "staff rename a product": Attempt(
        "staff",
        "PATCH",
        lambda s: f"/api/admin/products/{s.product.pk}/",
        lambda s: {"name": "Oak bowl"},
        lambda s: {
            f"catalog.Product#{s.product.pk}.name",
            f"catalog.Product#{s.product.pk}.updated_at",
        },
        200,
        takes=("price", "stock", "is_active"),
    ),
    "staff add a category": Attempt(
        "staff",
        "POST",
        lambda s: "/api/admin/categories/",
        lambda s: {"name": "Bowls", "parent": s.category.pk},
        lambda s: {"+catalog.Category", f"catalog.Category#{s.category.pk}.numchild"},
        201,
        takes=("is_active",),
    ),
    "staff retheme a category": Attempt(
        "staff",
        "PATCH",
        lambda s: f"/api/admin/categories/{s.spare_category.pk}/",
        lambda s: {"theme": "green"},
        lambda s: {
            f"catalog.Category#{s.spare_category.pk}.theme",
            f"catalog.Category#{s.spare_category.pk}.updated_at",
        },
        200,
        takes=("is_active",),
    ),
    "staff add a coupon": Attempt(
        "staff",
        "POST",
        lambda s: "/api/admin/coupons/",
        coupon_fields,
        lambda s: {"+coupons.Coupon"},
        201,
        takes=("is_active",),
    ),
    "staff switch a coupon off": Attempt(
        "staff",
        "PATCH",
        lambda s: f"/api/admin/coupons/{s.coupon.pk}/",
        lambda s: {"is_active": False},
        lambda s: {f"coupons.Coupon#{s.coupon.pk}.is_active"},
        200,
        takes=("is_active",),
    ),
}


def token_of(user):
    return AuthToken.objects.get(user=user).pk


def kinds(found):
    """Added rows by table only: their new ids are the server's to choose."""
    return {re.sub(r"^(\+[\w.]+)#.*$", r"\1", fact) for fact in found}


def added_rows(before, after, label):
    return [row for pk, row in after[label].items() if pk not in before[label]]


@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_a_body_stuffed_with_protected_fields_changes_only_what_the_route_may(
    shop, name
):
    attempt = ATTEMPTS[name]
    stuffing = {
        field: value
        for field, value in forbidden(shop).items()
        if field not in attempt.takes
    }
    body = {**stuffing, **attempt.body(shop)}
    expected = attempt.expect(shop)
    before = snapshot()

    response = getattr(shop.client(attempt.role), attempt.method.lower())(
        attempt.path(shop), body, format="json"
    )

    assert response.status_code == attempt.status, response.content[:500]
    after = snapshot()
    assert kinds(changes(before, after)) == expected
    for rows in after.values():
        assert FORGED_ID not in rows
        for row in rows.values():
            for column in ("created_at", "updated_at", "date_joined"):
                if column in row:
                    assert row[column] > timezone.now() - timedelta(days=1)


def test_a_signup_stuffed_with_staff_flags_makes_a_plain_customer(shop):
    body = {
        **forbidden(shop),
        "email": "new@example.com",
        "name": "New",
        "password": NEW_PASSWORD,
    }

    response = shop.client("guest").post("/api/auth/signup/", body, format="json")

    assert response.status_code == 201
    assert response.json()["user"]["role"] == "user"
    created = User.objects.get(email="new@example.com")
    assert (created.is_staff, created.is_superuser, created.is_active) == (
        False,
        False,
        True,
    )
    assert list(created.groups.all()) == []
    assert list(created.user_permissions.all()) == []


def test_an_address_stuffed_with_another_owner_belongs_to_the_sender(shop):
    body = {**forbidden(shop), **address_fields(shop)}

    response = shop.client("user").post("/api/auth/addresses/", body, format="json")

    assert response.status_code == 201
    created = Address.objects.get(pk=response.json()["id"])
    assert created.user_id == shop.user.pk
    assert Address.objects.filter(user=shop.other).count() == 1


def test_a_cart_add_stuffed_with_a_price_and_an_owner_keeps_the_catalog_price(shop):
    body = {**forbidden(shop), "product_id": shop.spare_product.pk, "quantity": 1}

    response = shop.client("user").post("/api/cart/add/", body, format="json")

    assert response.status_code == 200
    line = CartItem.objects.get(user=shop.user, product=shop.spare_product)
    assert line.quantity == 1
    assert not CartItem.objects.filter(user=shop.other, product=shop.spare_product)
    assert Product.objects.get(pk=shop.spare_product.pk).price == Decimal("49.99")
    added = next(
        item
        for item in response.json()["items"]
        if item["product"]["id"] == shop.spare_product.pk
    )
    assert added["line_total"] == "49.99"


def test_a_coupon_quote_stuffed_with_a_discount_gives_the_coupons_own(shop):
    body = {**forbidden(shop), "code": shop.coupon.code}

    response = shop.client("user").post("/api/coupons/validate/", body, format="json")

    assert response.status_code == 200
    assert response.json()["discount"] == "50.00"
    assert response.json()["total"] == "157.50"
    assert Coupon.objects.get(pk=shop.coupon.pk).used_count == 0


def test_a_checkout_stuffed_with_totals_and_a_status_bills_the_real_prices(shop):
    body = {**forbidden(shop), "address_id": shop.address.pk}

    response = shop.client("user").post("/api/orders/checkout/", body, format="json")

    assert response.status_code == 201
    order = Order.objects.get(pk=response.json()["id"])
    assert order.user_id == shop.user.pk
    assert order.status == "placed"
    assert (order.subtotal, order.discount, order.gst, order.total) == (
        Decimal("200.00"),
        Decimal("0.00"),
        Decimal("10.00"),
        Decimal("210.00"),
    )
    assert order.gst_rate == Decimal("0.0500")
    assert (order.coupon_id, order.coupon_code) == (None, "")
    assert order.is_hidden_by_user is False
    assert list(
        OrderLine.objects.filter(order=order).values_list(
            "product_id", "unit_price", "quantity", "line_total"
        )
    ) == [(shop.product.pk, Decimal("100.00"), 2, Decimal("200.00"))]
    assert Product.objects.get(pk=shop.product.pk).stock == 18


def test_a_staff_status_change_stuffed_with_totals_moves_only_the_status(shop):
    body = {**forbidden(shop), "status": "packing"}
    kept = Order.objects.filter(pk=shop.order.pk).values().get()

    response = shop.client("staff").patch(
        f"/api/orders/{shop.order.pk}/status/", body, format="json"
    )

    assert response.status_code == 200
    now = Order.objects.filter(pk=shop.order.pk).values().get()
    assert {column for column in kept if kept[column] != now[column]} == {
        "status",
        "updated_at",
    }
    assert now["status"] == "packing"


def test_a_new_category_stuffed_with_tree_fields_goes_where_its_parent_says(shop):
    body = {
        **forbidden(shop),
        "name": "Bowls",
        "parent": shop.category.pk,
        "is_active": True,
    }

    response = shop.client("staff").post("/api/admin/categories/", body, format="json")

    assert response.status_code == 201
    created = Category.objects.get(pk=response.json()["id"])
    shop.category.refresh_from_db()
    assert created.depth == 2
    assert created.numchild == 0
    assert created.path.startswith(shop.category.path)
    assert Category.objects.get(pk=shop.category.pk).numchild == 1


def test_a_new_coupon_stuffed_with_a_use_count_starts_unused(shop):
    body = {**forbidden(shop), **coupon_fields(shop), "is_active": True}

    response = shop.client("staff").post("/api/admin/coupons/", body, format="json")

    assert response.status_code == 201
    assert response.json()["used_count"] == 0
    assert Coupon.objects.get(code="WELCOME").used_count == 0


def test_a_coupon_edit_stuffed_with_a_use_count_keeps_the_count(shop):
    Coupon.objects.filter(pk=shop.coupon.pk).update(used_count=4)

    response = shop.client("staff").put(
        f"/api/admin/coupons/{shop.coupon.pk}/",
        {**forbidden(shop), **coupon_fields(shop), "is_active": True},
        format="json",
    )

    assert response.status_code == 200
    assert Coupon.objects.get(pk=shop.coupon.pk).used_count == 4
