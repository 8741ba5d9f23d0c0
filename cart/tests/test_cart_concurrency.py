"""
Concurrent cart writes on PostgreSQL: real threads, each with its own
connection, sending real requests at the same moment, or one write held
open while a request from another thread meets its locks.
"""

from collections import Counter

import pytest

from cart import services
from cart.models import CartItem
from catalog import services as catalog_services
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from catalog.tests.holding import while_holding
from conftest import client_for
from ravoos_pansy.tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def customer_clients(user, count):
    """`count` clients of `user`; a server error comes back as a 500."""
    clients = [client_for(user) for _ in range(count)]
    for client in clients:
        client.raise_request_exception = False
    return clients


def add_at_once(clients, product, *, quantity=1):
    """Each client adds `quantity` of `product` at the same moment."""
    body = {"product_id": product.pk, "quantity": quantity}
    responses = run_at_once(
        *(
            lambda client=client: client.post("/api/cart/add/", body, format="json")
            for client in clients
        )
    )
    return Counter(response.status_code for response in responses)


def test_ten_concurrent_adds_of_the_same_product_all_count(user):
    product = ProductFactory(stock=50)
    CartItem.objects.create(user=user, product=product, quantity=1)
    clients = customer_clients(user, 10)

    statuses = add_at_once(clients, product)

    assert statuses == {200: 10}
    assert list(CartItem.objects.filter(user=user).values_list("quantity")) == [(11,)]


def test_concurrent_first_adds_make_one_line_holding_both(user):
    product = ProductFactory(stock=50)
    clients = customer_clients(user, 2)

    statuses = add_at_once(clients, product, quantity=2)

    assert statuses == {200: 2}
    assert list(CartItem.objects.filter(user=user).values_list("quantity")) == [(4,)]


def test_ten_concurrent_first_adds_make_one_line(user):
    product = ProductFactory(stock=50)
    clients = customer_clients(user, 10)

    statuses = add_at_once(clients, product)

    assert statuses == {200: 10}
    assert list(CartItem.objects.filter(user=user).values_list("quantity")) == [(10,)]


def test_concurrent_adds_never_push_a_line_past_the_stock(user):
    product = ProductFactory(stock=5)
    clients = customer_clients(user, 10)

    statuses = add_at_once(clients, product)

    assert statuses == {200: 5, 409: 5}
    assert list(CartItem.objects.filter(user=user).values_list("quantity")) == [(5,)]


def test_an_add_racing_the_deletion_of_its_product_is_a_404_leaving_no_line(user):
    product = ProductFactory(stock=50)
    (client,) = customer_clients(user, 1)

    response = while_holding(
        lambda: catalog_services.delete_product(product=product),
        lambda: client.post(
            "/api/cart/add/", {"product_id": product.pk, "quantity": 2}, format="json"
        ),
    )

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert not CartItem.objects.exists()
    assert not Product.objects.exists()


def test_a_product_deleted_while_an_add_commits_takes_the_new_line_with_it(
    user, staff_client
):
    product = ProductFactory(stock=50)
    staff_client.raise_request_exception = False

    response = while_holding(
        lambda: services.add_to_cart(user=user, product_id=product.pk, quantity=2),
        lambda: staff_client.delete(f"/api/admin/products/{product.pk}/"),
    )

    assert response.status_code == 204
    assert not CartItem.objects.exists()
    assert not Product.objects.exists()
