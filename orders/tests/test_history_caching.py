"""
The order history is answered from the cache until something it shows
changes: an order placed, moved (by staff, the admin or the customer) or
hidden, or a product it sold deleted. Each customer's history is cached
apart from everyone else's.
"""

import pytest

from orders import services

pytestmark = pytest.mark.django_db

HISTORY = "/api/orders/"


def statuses(client, query=""):
    return [order["status"] for order in client.get(HISTORY + query).json()["results"]]


def test_a_cached_history_costs_no_query(
    user_client, product, place, django_assert_num_queries
):
    place((product, 1))
    first = user_client.get(HISTORY)

    # The token's look-up is cached too.
    with django_assert_num_queries(0):
        again = user_client.get(HISTORY)

    assert again.content == first.content


def test_a_placed_order_shows_at_once(user_client, product, place):
    place((product, 1))
    assert statuses(user_client) == ["placed"]

    place((product, 2))

    assert statuses(user_client) == ["placed", "placed"]


def test_a_status_change_by_staff_and_a_cancel_show_at_once(
    user, user_client, staff_user, product, other_product, place
):
    shipped, cancelled = place((product, 1)), place((other_product, 1))
    assert statuses(user_client) == ["placed", "placed"]

    services.change_order_status(
        order_id=shipped.pk, status="packing", changed_by=staff_user
    )
    services.cancel_order(user=user, order_id=cancelled.pk)

    assert statuses(user_client) == ["cancelled", "packing"]
    assert statuses(user_client, "?status=packing") == ["packing"]


def test_an_order_moved_by_the_admin_action_shows_at_once(
    user_client, product, place, admin_client
):
    order = place((product, 1))
    assert statuses(user_client) == ["placed"]

    admin_client.post(
        "/admin/orders/order/",
        {"action": "move_to_next_status", "_selected_action": [order.pk]},
    )

    assert statuses(user_client) == ["packing"]


def test_hidden_orders_leave_the_history_at_once(user, user_client, product, place):
    first, second, kept = (place((product, 1)) for _ in range(3))
    for order in (first, second):
        services.cancel_order(user=user, order_id=order.pk)
    assert len(statuses(user_client)) == 3

    services.hide_order(user=user, order_id=first.pk)
    after_one = statuses(user_client)
    services.hide_finished_orders(user=user)
    after_all = statuses(user_client)

    assert (after_one, after_all) == (["placed", "cancelled"], ["placed"])
    assert kept.status == "placed"


def test_each_customer_gets_their_own_history(
    user_client, other_client, product, place
):
    place((product, 1))
    assert statuses(user_client) == ["placed"]

    assert statuses(other_client) == []


def test_a_deleted_product_shows_at_once_as_a_line_without_product(
    user_client, staff_client, product, place
):
    place((product, 1))
    before = user_client.get(HISTORY).json()["results"][0]["items"][0]

    deleted = staff_client.delete(f"/api/admin/products/{product.pk}/")

    after = user_client.get(HISTORY).json()["results"][0]["items"][0]
    assert deleted.status_code == 204
    assert (before["product_id"], after["product_id"]) == (product.pk, None)
    assert after["product_name"] == "Teak bowl"
