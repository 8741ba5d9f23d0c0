"""
The permission matrix: every route under /api/, read from the URL
configuration, and every method it offers, asked by a guest, the customer
who owns the objects in the path (`user`), another customer (`other`) and
staff. The expected status of each is written below; a route or method
without a row fails `test_every_api_route_and_method_has_a_row`.

Refused requests must change nothing, answer in the error shape, and
another customer must never see the owner's address or email.
"""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from accounts.tests.factories import DEFAULT_PASSWORD

from .conftest import ROLES, changed_tables, is_error_shape, snapshot

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The last pattern of the URLconf answers every other /api/ path.
CATCH_ALL = "^api(?:/|$)"
NEW_PASSWORD = "a-new-and-longer-passphrase-7"


def anyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status):
    return {"guest": 401, "user": status, "other": status, "staff": status}


def customers(status):
    """IsCustomer: staff run the shop and have no cart or orders."""
    return {"guest": 401, "user": status, "other": status, "staff": 403}


def owner_of_order(status):
    """The owner's order: another customer finds nothing, staff are refused."""
    return {"guest": 401, "user": status, "other": 404, "staff": 403}


def owner_of_address(status):
    """Addresses are for every signed-in account, each seeing only its own."""
    return {"guest": 401, "user": status, "other": 404, "staff": 404}


def staff_only(status):
    return {"guest": 401, "user": 403, "other": 403, "staff": status}


@dataclass(frozen=True)
class Row:
    expect: dict
    path: Any = None  # shop -> path, for routes with ids in them
    body: Any = None  # (shop, role) -> JSON body


def address_body(shop, role):
    return {
        "full_name": "Asha Rao",
        "phone": "+91 98000 00000",
        "street": "12 Lake Road",
        "city": "Pune",
        "state": "Maharashtra",
        "pincode": "411001",
    }


def product_body(shop, role):
    return {
        "name": f"Clay pot for {role}",
        "price": "12.50",
        "stock": 3,
        "category": shop.category.pk,
    }


def category_body(shop, role):
    return {"name": f"Shelf of {role}", "parent": shop.category.pk}


def coupon_body(shop, role):
    return {
        "code": f"NEW-{role}",
        "kind": "fixed",
        "value": "10.00",
        "valid_from": "2024-01-01T00:00:00Z",
    }


MATRIX = {
    # --- Accounts
    ("api/auth/signup/", "POST"): Row(
        anyone(201),
        body=lambda shop, role: {
            "email": f"new-{role}@example.com",
            "name": "New Customer",
            "password": NEW_PASSWORD,
        },
    ),
    ("api/auth/login/", "POST"): Row(
        anyone(200),
        body=lambda shop, role: {
            "email": shop.account(role).email,
            "password": DEFAULT_PASSWORD,
        },
    ),
    ("api/auth/logout/", "POST"): Row(signed_in(204)),
    ("api/auth/me/", "GET"): Row(signed_in(200)),
    ("api/auth/me/", "PATCH"): Row(
        signed_in(200), body=lambda shop, role: {"name": "Renamed"}
    ),
    ("api/auth/password/", "POST"): Row(
        signed_in(200),
        body=lambda shop, role: {
            "old_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
        },
    ),
    ("api/auth/password/reset/", "POST"): Row(
        anyone(202), body=lambda shop, role: {"email": shop.account(role).email}
    ),
    ("api/auth/password/reset/confirm/", "POST"): Row(
        anyone(200),
        body=lambda shop, role: {
            **shop.reset_link(role),
            "new_password": NEW_PASSWORD,
        },
    ),
    ("api/auth/addresses/", "GET"): Row(signed_in(200)),
    ("api/auth/addresses/", "POST"): Row(signed_in(201), body=address_body),
    ("api/auth/addresses/<int:pk>/", "GET"): Row(
        owner_of_address(200), path=lambda s: f"/api/auth/addresses/{s.address.pk}/"
    ),
    ("api/auth/addresses/<int:pk>/", "PUT"): Row(
        owner_of_address(200),
        path=lambda s: f"/api/auth/addresses/{s.address.pk}/",
        body=address_body,
    ),
    ("api/auth/addresses/<int:pk>/", "PATCH"): Row(
        owner_of_address(200),
        path=lambda s: f"/api/auth/addresses/{s.address.pk}/",
        body=lambda shop, role: {"city": "Mumbai"},
    ),
    ("api/auth/addresses/<int:pk>/", "DELETE"): Row(
        owner_of_address(204), path=lambda s: f"/api/auth/addresses/{s.address.pk}/"
    ),
    ("api/auth/addresses/<int:pk>/delete/", "DELETE"): Row(
        owner_of_address(204),
        path=lambda s: f"/api/auth/addresses/{s.address.pk}/delete/",
    ),
    # --- Catalog
    ("api/categories/", "GET"): Row(anyone(200)),
    ("api/categories/<slug:slug>/", "GET"): Row(
        anyone(200), path=lambda s: f"/api/categories/{s.category.slug}/"
    ),
    ("api/products/", "GET"): Row(anyone(200)),
    ("api/products/<int:pk>/", "GET"): Row(
        anyone(200), path=lambda s: f"/api/products/{s.product.pk}/"
    ),
    ("api/admin/products/", "GET"): Row(staff_only(200)),
    ("api/admin/products/", "POST"): Row(staff_only(201), body=product_body),
    ("api/admin/products/<int:pk>/", "GET"): Row(
        staff_only(200), path=lambda s: f"/api/admin/products/{s.product.pk}/"
    ),
    ("api/admin/products/<int:pk>/", "PUT"): Row(
        staff_only(200),
        path=lambda s: f"/api/admin/products/{s.product.pk}/",
        body=product_body,
    ),
    ("api/admin/products/<int:pk>/", "PATCH"): Row(
        staff_only(200),
        path=lambda s: f"/api/admin/products/{s.product.pk}/",
        body=lambda shop, role: {"price": "120.00"},
    ),
    ("api/admin/products/<int:pk>/", "DELETE"): Row(
        staff_only(204), path=lambda s: f"/api/admin/products/{s.product.pk}/"
    ),
    ("api/admin/products/<int:pk>/delete/", "DELETE"): Row(
        staff_only(204), path=lambda s: f"/api/admin/products/{s.product.pk}/delete/"
    ),
    ("api/admin/categories/", "GET"): Row(staff_only(200)),
    ("api/admin/categories/", "POST"): Row(staff_only(201), body=category_body),
    ("api/admin/categories/<int:pk>/", "GET"): Row(
        staff_only(200),
        path=lambda s: f"/api/admin/categories/{s.spare_category.pk}/",
    ),
    ("api/admin/categories/<int:pk>/", "PUT"): Row(
        staff_only(200),
        path=lambda s: f"/api/admin/categories/{s.spare_category.pk}/",
        body=category_body,
    ),
    ("api/admin/categories/<int:pk>/", "PATCH"): Row(
        staff_only(200),
        path=lambda s: f"/api/admin/categories/{s.spare_category.pk}/",
        body=lambda shop, role: {"theme": "green"},
    ),
    ("api/admin/categories/<int:pk>/", "DELETE"): Row(
        staff_only(204),
        path=lambda s: f"/api/admin/categories/{s.spare_category.pk}/",
    ),
    # --- Cart
    ("api/cart/", "GET"): Row(customers(200)),
    ("api/cart/add/", "POST"): Row(
        customers(200),
        body=lambda shop, role: {"product_id": shop.spare_product.pk, "quantity": 1},
    ),
    ("api/cart/update/", "PUT"): Row(
        owner_of_order(200),
        body=lambda shop, role: {"item_id": shop.cart_item.pk, "quantity": 3},
    ),
    ("api/cart/remove/<int:item_id>/", "DELETE"): Row(
        owner_of_order(200), path=lambda s: f"/api/cart/remove/{s.cart_item.pk}/"
    ),
    ("api/cart/clear/", "DELETE"): Row(customers(200)),
    # --- Coupons
    ("api/coupons/validate/", "POST"): Row(
        customers(200), body=lambda shop, role: {"code": shop.coupon.code}
    ),
    ("api/admin/coupons/", "GET"): Row(staff_only(200)),
    ("api/admin/coupons/", "POST"): Row(staff_only(201), body=coupon_body),
    ("api/admin/coupons/<int:pk>/", "GET"): Row(
        staff_only(200), path=lambda s: f"/api/admin/coupons/{s.coupon.pk}/"
    ),
    ("api/admin/coupons/<int:pk>/", "PUT"): Row(
        staff_only(200),
        path=lambda s: f"/api/admin/coupons/{s.coupon.pk}/",
        body=coupon_body,
    ),
    ("api/admin/coupons/<int:pk>/", "PATCH"): Row(
        staff_only(200),
        path=lambda s: f"/api/admin/coupons/{s.coupon.pk}/",
        body=lambda shop, role: {"is_active": False},
    ),
    ("api/admin/coupons/<int:pk>/", "DELETE"): Row(
        staff_only(204), path=lambda s: f"/api/admin/coupons/{s.coupon.pk}/"
    ),
    # --- Orders
    ("api/orders/", "GET"): Row(customers(200)),
    ("api/orders/checkout/", "POST"): Row(
        # Another customer naming the owner's address: a 400, as the
        # contract says of an address that is not yours.
        {"guest": 401, "user": 201, "other": 400, "staff": 403},
        body=lambda shop, role: {"address_id": shop.address.pk},
    ),
    ("api/orders/delete-all/", "DELETE"): Row(customers(200)),
    ("api/orders/<int:pk>/", "GET"): Row(
        owner_of_order(200), path=lambda s: f"/api/orders/{s.order.pk}/"
    ),
    ("api/orders/<int:pk>/cancel/", "POST"): Row(
        owner_of_order(200), path=lambda s: f"/api/orders/{s.order.pk}/cancel/"
    ),
    ("api/orders/<int:pk>/status/", "PATCH"): Row(
        staff_only(200),
        path=lambda s: f"/api/orders/{s.order.pk}/status/",
        body=lambda shop, role: {"status": "packing"},
    ),
    ("api/orders/<int:pk>/delete/", "DELETE"): Row(
        owner_of_order(204),
        path=lambda s: f"/api/orders/{s.finished_order.pk}/delete/",
    ),
    ("api/admin/orders/", "GET"): Row(staff_only(200)),
    # --- Service
    ("api/health/", "GET"): Row(anyone(200)),
    ("api/schema/", "GET"): Row(anyone(200)),
    ("api/docs/", "GET"): Row(anyone(200)),
    ("api/redoc/", "GET"): Row(anyone(200)),
    # Unknown paths under /api/: a JSON 404 whatever the method or role.
    **{
        (CATCH_ALL, method): Row(anyone(404), path=lambda s: "/api/no-such-route/")
        for method in METHODS
    },
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _offered_methods(callback):
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        # A plain function view answers every method.
        return set(METHODS)
    return {
        method
        for method in METHODS
        if method.lower() in view_class.http_method_names
        and hasattr(view_class, method.lower())
    }


def api_routes():
    """Each /api/ route of the URLconf and the methods its view offers."""
    return {
        route: _offered_methods(callback)
        for route, callback in _walk(get_resolver().url_patterns)
        if route.startswith(("api/", "^api"))
    }


def path_of(route, row, shop):
    if row.path is not None:
        return row.path(shop)
    assert "<" not in route, f"{route} needs a path in its row"
    return "/" + route


def send(client, method, path, body=None):
    return getattr(client, method.lower())(path, body, format="json")


def test_every_api_route_and_method_has_a_row():
    offered = {
        (route, method) for route, methods in api_routes().items() for method in methods
    }

    missing = sorted(offered - MATRIX.keys())
    stale = sorted(MATRIX.keys() - offered)

    assert missing == [], f"add a row to MATRIX for each of {missing}"
    assert stale == [], f"these rows name no route or method: {stale}"


# Refused roles go first: a refusal must change nothing, and the owner's
# own request (a delete, a checkout) comes last.
ASKING_ORDER = ("guest", "other", "staff", "user")


@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_each_role_gets_the_status_the_matrix_expects(shop, route, method):
    row = MATRIX[route, method]
    path = path_of(route, row, shop)
    statuses, problems = {}, []

    for role in ASKING_ORDER:
        before = snapshot()
        body = row.body(shop, role) if row.body else None
        response = send(shop.client(role), method, path, body)
        statuses[role] = response.status_code
        if response.status_code >= 400:
            if not is_error_shape(response.json()):
                problems.append(f"{role}: not the error shape: {response.content!r}")
            if changed := changed_tables(before, snapshot()):
                problems.append(f"{role}: refused, yet changed {changed}")
        if role == "other":
            text = response.content.decode()
            if shop.address.street in text or shop.user.email in text:
                problems.append("other: sees the owner's address or email")

    assert (resolve(path).route or CATCH_ALL) == route
    assert statuses == row.expect
    assert problems == []


def _allowed_role(route):
    """A role that gets past the permission checks of every row of `route`."""
    rows = [row for (name, _), row in MATRIX.items() if name == route]
    for role in ("user", "staff", "guest"):
        if all(row.expect[role] < 400 for row in rows):
            return role
    raise AssertionError(f"no role may use {route}")


@pytest.mark.parametrize(
    "route", sorted(route for route in api_routes() if route != CATCH_ALL)
)
def test_methods_a_route_does_not_offer_answer_405_and_change_nothing(shop, route):
    offered = api_routes()[route]
    role = _allowed_role(route)
    path = path_of(route, MATRIX[route, min(offered)], shop)
    before = snapshot()

    answers = {
        method: send(shop.client(role), method, path, {})
        for method in sorted(set(METHODS) - offered)
    }

    assert {method: r.status_code for method, r in answers.items()} == dict.fromkeys(
        answers, 405
    )
    for response in answers.values():
        assert is_error_shape(response.json())
        assert response.json()["errors"][0]["code"] == "method_not_allowed"
    assert changed_tables(before, snapshot()) == []


def test_a_route_template_in_the_matrix_names_its_converters():
    # Ids in paths are typed, so a word where an id belongs is a 404.
    for route in api_routes():
        for name in re.findall(r"<(\w+):\w+>", route):
            assert name in {"int", "slug"}, route
