from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import AddressFactory
from cart.models import CartItem
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from coupons.models import CouponRedemption
from orders import services
from orders.models import NEXT_STATUSES, Order, OrderStatus, OrderStatusChange

pytestmark = pytest.mark.django_db

SHOP_TIME = ZoneInfo("Asia/Kolkata")
ALL_STATUSES = [status.value for status in OrderStatus]
REFUSED_MOVES = [
    (current.value, target)
    for current in OrderStatus
    for target in ALL_STATUSES
    if target not in NEXT_STATUSES[current]
]
ALLOWED_MOVES = [
    (current.value, target.value)
    for current in OrderStatus
    for target in NEXT_STATUSES[current]
]


def set_status(order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


def history_of(order):
    return list(
        OrderStatusChange.objects.filter(order=order).values_list(
            "from_status", "to_status", "changed_by"
        )
    )


# --- History ----------------------------------------------------------------


def test_history_lists_own_visible_orders_newest_first(
    user, other_user, product, place, user_client
):
    older = place((product, 1))
    newer = place((product, 2))
    hidden = set_status(place((product, 1)), "delivered")
    Order.objects.filter(pk=hidden.pk).update(is_hidden_by_user=True)
    place((product, 1), owner=other_user, to=AddressFactory(user=other_user))

    response = user_client.get("/api/orders/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert (body["next"], body["previous"]) == (None, None)
    assert [order["id"] for order in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0]["items"][0]["quantity"] == 2
    assert body["results"][0]["item_count"] == 2
    assert body["results"][0]["total"] == "210.00"


def test_history_is_paginated(product, place, user_client):
    orders = [place((product, 1)) for _ in range(3)]

    response = user_client.get("/api/orders/?page_size=2&page=2")

    assert response.json()["count"] == 3
    assert [order["id"] for order in response.json()["results"]] == [orders[0].pk]


def test_history_filters_by_status(product, place, user_client):
    placed = place((product, 1))
    set_status(place((product, 1)), "shipped")

    response = user_client.get("/api/orders/?status=placed")

    assert [order["id"] for order in response.json()["results"]] == [placed.pk]


def test_history_with_an_unknown_status_filter_is_a_400(user_client):
    response = user_client.get("/api/orders/?status=lost")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_choice"
    assert response.json()["errors"][0]["attr"] == "status"


def test_history_query_count_does_not_grow_with_orders_or_lines(
    user, category, place, user_client
):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = user_client.get("/api/orders/")
        assert response.status_code == 200
        return len(queries)

    place((ProductFactory(category=category), 1))
    # Caches the token's look-up, so that both counts below leave it out.
    user_client.get("/api/auth/me/")
    few = count_queries()
    for _ in range(5):
        place(*[(ProductFactory(category=category), 2) for _ in range(4)])
    many = count_queries()

    assert few == many


# --- The bill ---------------------------------------------------------------


def test_bill_shows_the_status_history_with_who_and_when(
    user, staff_user, product, place, user_client
):
    order = place((product, 1))
    services.change_order_status(
        order_id=order.pk, status="packing", changed_by=staff_user
    )

    response = user_client.get(f"/api/orders/{order.pk}/")

    assert response.status_code == 200
    history = response.json()["status_history"]
    assert [
        (step["from_status"], step["to_status"], step["changed_by"]) for step in history
    ] == [
        (None, "placed", {"id": user.pk, "name": user.name, "role": "user"}),
        (
            "placed",
            "packing",
            {"id": staff_user.pk, "name": staff_user.name, "role": "admin"},
        ),
    ]
    assert all(step["created_at"] for step in history)
    assert response.json()["allowed_next_statuses"] == ["shipped", "cancelled"]


def test_bill_query_count_does_not_grow_with_lines(category, place, user_client):
    small = place((ProductFactory(category=category), 1))
    big = place(*[(ProductFactory(category=category), 1) for _ in range(15)])
    # Caches the token's look-up, so that both counts below leave it out.
    user_client.get("/api/auth/me/")

    with CaptureQueriesContext(connection) as small_queries:
        user_client.get(f"/api/orders/{small.pk}/")
    with CaptureQueriesContext(connection) as big_queries:
        response = user_client.get(f"/api/orders/{big.pk}/")

    assert len(response.json()["items"]) == 15
    assert len(small_queries) == len(big_queries)


def test_someone_elses_order_is_not_found(other_user, product, place, user_client):
    theirs = place((product, 1), owner=other_user, to=AddressFactory(user=other_user))

    detail = user_client.get(f"/api/orders/{theirs.pk}/")
    cancel = user_client.post(f"/api/orders/{theirs.pk}/cancel/")
    hide = user_client.delete(f"/api/orders/{theirs.pk}/delete/")

    assert (detail.status_code, cancel.status_code, hide.status_code) == (
        404,
        404,
        404,
    )
    theirs.refresh_from_db()
    assert (theirs.status, theirs.is_hidden_by_user) == ("placed", False)


def test_an_unknown_order_is_not_found(user_client):
    response = user_client.get("/api/orders/999999/")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_hidden_order_is_not_found_by_its_owner(product, place, user_client):
    order = set_status(place((product, 1)), "delivered")
    Order.objects.filter(pk=order.pk).update(is_hidden_by_user=True)

    assert user_client.get(f"/api/orders/{order.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/orders/"),
        ("get", "/api/orders/1/"),
        ("post", "/api/orders/1/cancel/"),
        ("delete", "/api/orders/1/delete/"),
        ("delete", "/api/orders/delete-all/"),
    ],
)
def test_customer_routes_refuse_staff_and_guests(
    staff_client, api_client, method, path
):
    assert getattr(staff_client, method)(path).status_code == 403
    assert getattr(api_client, method)(path).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("patch", "/api/orders/1/status/"), ("get", "/api/admin/orders/")],
)
def test_staff_routes_refuse_customers_and_guests(
    user_client, api_client, method, path
):
    assert getattr(user_client, method)(path, {"status": "packing"}).status_code == 403
    assert getattr(api_client, method)(path, {"status": "packing"}).status_code == 401


# --- Cancelling -------------------------------------------------------------


@pytest.mark.parametrize("status", ["placed", "packing"])
def test_owner_cancels_an_order_and_gets_stock_and_coupon_back(
    user, product, coupon, place, user_client, status
):
    order = set_status(place((product, 3), coupon_code="SAVE10"), status)

    response = user_client.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["allowed_next_statuses"] == []
    assert response.json()["is_hideable"] is True
    assert Product.objects.get(pk=product.pk).stock == 10
    coupon.refresh_from_db()
    assert coupon.used_count == 0
    assert CouponRedemption.objects.count() == 0
    assert history_of(order)[-1] == (status, "cancelled", user.pk)


def test_cancelling_skips_lines_whose_product_was_deleted(
    product, other_product, place, user_client
):
    order = place((product, 2), (other_product, 3))
    CartItem.objects.all().delete()
    other_product.delete()

    response = user_client.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 200
    assert Product.objects.get(pk=product.pk).stock == 10


@pytest.mark.parametrize("status", ["shipped", "out_for_delivery", "delivered"])
def test_owner_cannot_cancel_once_shipped(product, place, user_client, status):
    order = set_status(place((product, 3)), status)

    response = user_client.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["code"] == "invalid_status_transition"
    assert body["current_status"] == status
    assert body["allowed"] == [s.value for s in NEXT_STATUSES[OrderStatus(status)]]
    assert Order.objects.get(pk=order.pk).status == status
    assert Product.objects.get(pk=product.pk).stock == 7
    assert len(history_of(order)) == 1


def test_cancelling_twice_is_refused_the_second_time(product, place, user_client):
    order = place((product, 3))
    user_client.post(f"/api/orders/{order.pk}/cancel/")

    response = user_client.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == (
        "An order that is cancelled cannot move to cancelled. "
        "Allowed next statuses: none (the order is final)."
    )
    assert response.json()["allowed"] == []
    assert Product.objects.get(pk=product.pk).stock == 10
    assert len(history_of(order)) == 2


# --- Staff status changes ---------------------------------------------------


@pytest.mark.parametrize(("current", "target"), ALLOWED_MOVES)
def test_staff_moves_an_order_along_the_lifecycle(
    staff_user, product, place, staff_client, current, target
):
    order = set_status(place((product, 2)), current)

    response = staff_client.patch(
        f"/api/orders/{order.pk}/status/", {"status": target}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == target
    assert response.json()["user"]["id"] == order.user_id
    assert Order.objects.get(pk=order.pk).status == target
    assert history_of(order)[-1] == (current, target, staff_user.pk)


@pytest.mark.parametrize(("current", "target"), REFUSED_MOVES)
def test_staff_cannot_make_a_move_the_lifecycle_forbids(
    product, place, staff_client, current, target
):
    order = set_status(place((product, 2)), current)

    response = staff_client.patch(
        f"/api/orders/{order.pk}/status/", {"status": target}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["code"] == "invalid_status_transition"
    assert body["errors"][0]["attr"] == "status"
    assert body["current_status"] == current
    assert body["allowed"] == [s.value for s in NEXT_STATUSES[OrderStatus(current)]]
    assert Order.objects.get(pk=order.pk).status == current
    assert Product.objects.get(pk=product.pk).stock == 8
    assert len(history_of(order)) == 1


def test_staff_cancelling_gives_stock_and_coupon_back(
    product, coupon, place, staff_client
):
    order = set_status(place((product, 4), coupon_code="SAVE10"), "packing")

    response = staff_client.patch(
        f"/api/orders/{order.pk}/status/", {"status": "cancelled"}, format="json"
    )

    assert response.status_code == 200
    assert Product.objects.get(pk=product.pk).stock == 10
    coupon.refresh_from_db()
    assert coupon.used_count == 0
    assert CouponRedemption.objects.count() == 0


def test_staff_can_move_a_hidden_order(product, place, staff_client):
    order = set_status(place((product, 1)), "out_for_delivery")
    Order.objects.filter(pk=order.pk).update(is_hidden_by_user=True)

    response = staff_client.patch(
        f"/api/orders/{order.pk}/status/", {"status": "delivered"}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize("body", [{}, {"status": "lost"}, {"status": None}, ["x"]])
def test_a_bad_status_body_is_a_400(product, place, staff_client, body):
    order = place((product, 1))

    response = staff_client.patch(
        f"/api/orders/{order.pk}/status/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert Order.objects.get(pk=order.pk).status == "placed"
    assert len(history_of(order)) == 1


def test_moving_an_unknown_order_is_a_404(staff_client):
    response = staff_client.patch(
        "/api/orders/999999/status/", {"status": "packing"}, format="json"
    )

    assert response.status_code == 404


# --- Hiding -----------------------------------------------------------------


@pytest.mark.parametrize("status", ["delivered", "cancelled"])
def test_owner_hides_a_finished_order(product, place, user_client, status):
    order = set_status(place((product, 1)), status)

    response = user_client.delete(f"/api/orders/{order.pk}/delete/")

    assert response.status_code == 204
    assert Order.objects.get(pk=order.pk).is_hidden_by_user is True
    assert user_client.get("/api/orders/").json()["count"] == 0


@pytest.mark.parametrize("status", ["placed", "packing", "shipped", "out_for_delivery"])
def test_an_unfinished_order_cannot_be_hidden(product, place, user_client, status):
    order = set_status(place((product, 1)), status)

    response = user_client.delete(f"/api/orders/{order.pk}/delete/")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "order_not_hideable"
    assert response.json()["current_status"] == status
    assert Order.objects.get(pk=order.pk).is_hidden_by_user is False


def test_hiding_all_hides_only_finished_orders_of_the_user(
    other_user, product, place, user_client
):
    delivered = set_status(place((product, 1)), "delivered")
    cancelled = set_status(place((product, 1)), "cancelled")
    shipped = set_status(place((product, 1)), "shipped")
    theirs = set_status(
        place((product, 1), owner=other_user, to=AddressFactory(user=other_user)),
        "delivered",
    )

    response = user_client.delete("/api/orders/delete-all/")

    assert response.status_code == 200
    assert response.json() == {"hidden": 2}
    hidden = set(
        Order.objects.filter(is_hidden_by_user=True).values_list("pk", flat=True)
    )
    assert hidden == {delivered.pk, cancelled.pk}
    assert shipped.pk not in hidden
    assert theirs.pk not in hidden
    assert [o["id"] for o in user_client.get("/api/orders/").json()["results"]] == [
        shipped.pk
    ]


def test_hiding_all_with_nothing_to_hide_hides_none(user_client):
    response = user_client.delete("/api/orders/delete-all/")

    assert response.status_code == 200
    assert response.json() == {"hidden": 0}


# --- Staff order list -------------------------------------------------------


def test_staff_list_shows_every_order_with_its_customer(
    user, other_user, product, place, staff_client
):
    mine = set_status(place((product, 1)), "delivered")
    Order.objects.filter(pk=mine.pk).update(is_hidden_by_user=True)
    theirs = place((product, 1), owner=other_user, to=AddressFactory(user=other_user))

    response = staff_client.get("/api/admin/orders/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(o["id"], o["user"]["email"]) for o in results] == [
        (theirs.pk, other_user.email),
        (mine.pk, user.email),
    ]
    assert results[1]["is_hidden_by_user"] is True


def test_staff_list_filters(user, other_user, product, place, staff_client):
    other_user.email = "Zed.Shopper@Example.com".lower()
    other_user.save()
    early = place((product, 1))
    late = set_status(
        place((product, 1), owner=other_user, to=AddressFactory(user=other_user)),
        "packing",
    )
    Order.objects.filter(pk=early.pk).update(
        created_at=datetime(2025, 1, 10, 9, 0, tzinfo=SHOP_TIME)
    )
    Order.objects.filter(pk=late.pk).update(
        created_at=datetime(2025, 2, 20, 23, 30, tzinfo=SHOP_TIME)
    )

    def ids(query):
        response = staff_client.get(f"/api/admin/orders/?{query}")
        assert response.status_code == 200
        return [order["id"] for order in response.json()["results"]]

    assert ids("status=packing") == [late.pk]
    assert ids("user=ZED.shopper") == [late.pk]
    assert ids(f"user={user.email}") == [early.pk]
    assert ids("created_after=2025-02-20") == [late.pk]
    assert ids("created_before=2025-01-10") == [early.pk]
    assert ids("created_after=2025-01-11&created_before=2025-02-19") == []
    assert ids("created_after=2025-01-01&created_before=2025-12-31") == [
        late.pk,
        early.pk,
    ]


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("status=lost", "status"),
        ("created_after=yesterday", "created_after"),
        ("created_before=2025-13-01", "created_before"),
        ("user=" + "x" * 300, "user"),
    ],
)
def test_staff_list_with_a_bad_filter_is_a_400(staff_client, query, attr):
    response = staff_client.get(f"/api/admin/orders/?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr


def test_staff_list_query_count_does_not_grow(category, place, staff_client):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            staff_client.get("/api/admin/orders/")
        return len(queries)

    place((ProductFactory(category=category), 1))
    # Caches the token's look-up, so that both counts below leave it out.
    staff_client.get("/api/auth/me/")
    few = count_queries()
    for _ in range(4):
        place(*[(ProductFactory(category=category), 1) for _ in range(3)])

    assert count_queries() == few


@pytest.mark.parametrize("order_id", [0, 2**63, 10**30])
def test_an_out_of_range_order_id_is_not_found(user_client, staff_client, order_id):
    assert user_client.get(f"/api/orders/{order_id}/").status_code == 404
    assert user_client.post(f"/api/orders/{order_id}/cancel/").status_code == 404
    assert user_client.delete(f"/api/orders/{order_id}/delete/").status_code == 404
    response = staff_client.patch(
        f"/api/orders/{order_id}/status/", {"status": "packing"}, format="json"
    )
    assert response.status_code == 404
