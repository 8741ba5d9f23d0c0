"""
A customer's cart is answered from the cache until something it shows
changes: their lines (the cart routes, checkout, the admin), a product's
catalog row or its stock. Each customer's cart is cached apart.
"""

from decimal import Decimal

import pytest

from accounts.tests.factories import AddressFactory
from catalog import services as catalog_services

CART = "/api/cart/"

pytestmark = pytest.mark.django_db


def lines(client):
    return [
        (item["product"]["id"], item["quantity"])
        for item in client.get(CART).json()["items"]
    ]


def test_a_cached_cart_costs_no_query(
    user_client, product, make_line, django_assert_num_queries
):
    make_line(product=product, quantity=2)
    first = user_client.get(CART)

    # The token's look-up is cached too.
    with django_assert_num_queries(0):
        again = user_client.get(CART)

    assert again.content == first.content


def test_every_cart_route_shows_its_change_in_the_next_read(
    user_client, product, category
):
    other = type(product).objects.create(
        name="Lamp", slug="lamp", price=Decimal("5.00"), stock=9, category=category
    )
    reads = [lines(user_client)]

    added = user_client.post(
        "/api/cart/add/", {"product_id": product.pk, "quantity": 2}, format="json"
    )
    reads.append(lines(user_client))
    user_client.post("/api/cart/add/", {"product_id": other.pk}, format="json")
    reads.append(lines(user_client))
    line_id = added.json()["items"][0]["id"]
    user_client.put(
        "/api/cart/update/", {"item_id": line_id, "quantity": 5}, format="json"
    )
    reads.append(lines(user_client))
    user_client.delete(f"/api/cart/remove/{line_id}/")
    reads.append(lines(user_client))
    user_client.delete("/api/cart/clear/")
    reads.append(lines(user_client))

    assert reads == [
        [],
        [(product.pk, 2)],
        [(product.pk, 2), (other.pk, 1)],
        [(product.pk, 5), (other.pk, 1)],
        [(other.pk, 1)],
        [],
    ]


def test_checkout_empties_the_cached_cart(
    user, user_client, product, make_line, django_capture_on_commit_callbacks
):
    make_line(product=product, quantity=1)
    assert lines(user_client) == [(product.pk, 1)]
    address = AddressFactory(user=user)

    with django_capture_on_commit_callbacks(execute=True):
        placed = user_client.post(
            "/api/orders/checkout/", {"address_id": address.pk}, format="json"
        )

    assert placed.status_code == 201
    assert lines(user_client) == []


def test_the_cart_shows_a_new_price_and_stock_taken_by_others(
    user_client, product, make_line, django_capture_on_commit_callbacks
):
    make_line(product=product, quantity=2)
    before = user_client.get(CART).json()

    catalog_services.update_product(product=product, price=Decimal("90.00"))
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.change_stock({product.pk: -9})
    after = user_client.get(CART).json()

    assert (before["subtotal"], before["items"][0]["problem"]) == ("200.00", None)
    assert after["items"][0]["product"]["price"] == "90.00"
    assert after["items"][0]["product"]["stock"] == 1
    assert after["items"][0]["problem"]["code"] == "insufficient_stock"


def test_a_line_changed_or_deleted_in_the_admin_shows_at_once(
    user_client, product, make_line, admin_client
):
    line = make_line(product=product, quantity=1)
    assert lines(user_client) == [(product.pk, 1)]

    admin_client.post(
        f"/admin/cart/cartitem/{line.pk}/change/", {"quantity": 4}, follow=True
    )
    changed = lines(user_client)
    admin_client.post(
        "/admin/cart/cartitem/",
        {"action": "delete_selected", "_selected_action": [line.pk], "post": "yes"},
    )

    assert changed == [(product.pk, 4)]
    assert lines(user_client) == []


def test_each_customer_gets_their_own_cart(
    user_client, other_client, product, make_line
):
    make_line(product=product, quantity=3)
    assert lines(user_client) == [(product.pk, 3)]

    assert lines(other_client) == []
