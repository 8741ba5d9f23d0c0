"""
Races on PostgreSQL: real threads, each with its own database connection,
released together by a barrier.
"""

import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import AddressFactory, StaffFactory, UserFactory
from cart.models import CartItem
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from conftest import client_for
from coupons.models import Coupon, CouponRedemption
from orders import services
from orders.idempotency import request_fingerprint
from orders.models import IdempotencyKey, Order, OrderLine
from ravoos_pansy.tests.concurrency import run_at_once

from .factories import CartItemFactory, CouponFactory

CHECKOUT = "/api/orders/checkout/"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def customer_with_address():
    user = UserFactory()
    return user, AddressFactory(user=user, is_default=True), client_for(user)


def post_checkout(client, body, **headers):
    return lambda: client.post(CHECKOUT, body, format="json", **headers)


def test_twenty_customers_racing_for_five_units_make_exactly_five_orders(category):
    product = ProductFactory(category=category, stock=5)
    customers = [customer_with_address() for _ in range(20)]
    for user, _, _ in customers:
        CartItemFactory(user=user, product=product, quantity=1)

    responses = run_at_once(
        *(
            post_checkout(client, {"address_id": address.pk})
            for _, address, client in customers
        )
    )

    assert Counter(response.status_code for response in responses) == {
        201: 5,
        409: 15,
    }
    for response in responses:
        if response.status_code == 409:
            assert response.json()["errors"][0]["code"] == "insufficient_stock"
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 5
    assert OrderLine.objects.count() == 5
    assert set(OrderLine.objects.values_list("order_id", flat=True)) == set(
        Order.objects.values_list("pk", flat=True)
    )
    # The fifteen who lost keep their carts; the five who won have none.
    assert CartItem.objects.count() == 15
    assert not CartItem.objects.filter(user__orders__isnull=False).exists()


def test_ten_checkouts_racing_for_a_coupon_of_three_uses_redeem_it_three_times(
    category,
):
    coupon = CouponFactory(code="THREE", usage_limit=3)
    customers = [customer_with_address() for _ in range(10)]
    for user, _, _ in customers:
        # Each buys a different product, so only the coupon is shared.
        CartItemFactory(
            user=user, product=ProductFactory(category=category, stock=5), quantity=1
        )

    responses = run_at_once(
        *(
            post_checkout(client, {"address_id": address.pk, "coupon": "three"})
            for _, address, client in customers
        )
    )

    assert Counter(response.status_code for response in responses) == {
        201: 3,
        400: 7,
    }
    for response in responses:
        if response.status_code == 400:
            assert response.json()["errors"][0]["code"] == "coupon_used_up"
    assert Coupon.objects.get(pk=coupon.pk).used_count == 3
    assert CouponRedemption.objects.count() == 3
    assert Order.objects.filter(discount__gt=0, coupon=coupon).count() == 3
    assert Order.objects.count() == 3


def test_the_same_idempotency_key_five_times_at_once_makes_one_order(category):
    product = ProductFactory(category=category, stock=10)
    user, address, _ = customer_with_address()
    CartItemFactory(user=user, product=product, quantity=2)
    clients = [client_for(user) for _ in range(5)]

    responses = run_at_once(
        *(
            post_checkout(
                client, {"address_id": address.pk}, HTTP_IDEMPOTENCY_KEY="same-key"
            )
            for client in clients
        )
    )

    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 8
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}
    assert statuses[201] >= 1
    order_id = Order.objects.get().pk
    for response in responses:
        if response.status_code == 201:
            assert response.json()["id"] == order_id
        else:
            assert response.json()["errors"][0]["code"] == "idempotency_key_in_use"
    key = IdempotencyKey.objects.get()
    assert (key.response_status, key.order_id) == (201, order_id)


def test_a_retry_while_the_first_request_runs_is_a_409(category):
    product = ProductFactory(category=category, stock=10)
    user, address, client = customer_with_address()
    CartItemFactory(user=user, product=product, quantity=1)
    body = {"address_id": address.pk}
    key = IdempotencyKey.objects.create(
        user=user,
        key="busy",
        request_fingerprint=request_fingerprint(body),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    locked, release = threading.Event(), threading.Event()

    def hold_the_key():
        # Stands in for a first request that is still running its checkout.
        try:
            with transaction.atomic():
                IdempotencyKey.objects.select_for_update().get(pk=key.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_key)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        response = client.post(
            CHECKOUT, body, format="json", HTTP_IDEMPOTENCY_KEY="busy"
        )
    finally:
        release.set()
        holder.join(timeout=30)

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_key_in_use"
    assert Order.objects.count() == 0
    assert CartItem.objects.count() == 1


def test_one_cart_checked_out_twice_at_once_makes_one_order(category):
    rounds = 5
    product = ProductFactory(category=category, stock=100)
    user, address, _ = customer_with_address()
    clients = [client_for(user), client_for(user)]

    for _ in range(rounds):
        CartItemFactory(user=user, product=product, quantity=3)

        responses = run_at_once(
            *(post_checkout(client, {"address_id": address.pk}) for client in clients)
        )

        assert sorted(response.status_code for response in responses) == [201, 400]
        refused = next(r for r in responses if r.status_code == 400)
        assert refused.json()["errors"][0]["code"] == "cart_empty"

    assert Order.objects.count() == rounds
    assert Product.objects.get(pk=product.pk).stock == 100 - 3 * rounds


def test_carts_holding_the_same_products_in_opposite_orders_never_deadlock(
    category,
):
    rounds = 15
    first = ProductFactory(category=category, stock=100)
    second = ProductFactory(category=category, stock=100)
    alice, alice_address, alice_client = customer_with_address()
    bob, bob_address, bob_client = customer_with_address()

    for _ in range(rounds):
        CartItemFactory(user=alice, product=first, quantity=1)
        CartItemFactory(user=alice, product=second, quantity=1)
        CartItemFactory(user=bob, product=second, quantity=1)
        CartItemFactory(user=bob, product=first, quantity=1)

        responses = run_at_once(
            post_checkout(alice_client, {"address_id": alice_address.pk}),
            post_checkout(bob_client, {"address_id": bob_address.pk}),
        )

        assert [response.status_code for response in responses] == [201, 201]

    assert Order.objects.count() == 2 * rounds
    for order in Order.objects.prefetch_related("lines"):
        assert sorted(line.product_id for line in order.lines.all()) == [
            first.pk,
            second.pk,
        ]
        assert order.subtotal == Decimal("200.00")
    assert Product.objects.get(pk=first.pk).stock == 100 - 2 * rounds
    assert Product.objects.get(pk=second.pk).stock == 100 - 2 * rounds


def test_a_cancellation_racing_a_staff_change_ends_in_one_valid_state(category):
    product = ProductFactory(category=category, stock=50)
    staff = StaffFactory()
    staff_client = client_for(staff)
    user, address, client = customer_with_address()
    winners = Counter()

    for _ in range(8):
        CartItemFactory(user=user, product=product, quantity=2)
        order = services.place_order(user=user, address_id=address.pk)
        services.change_order_status(
            order_id=order.pk, status="packing", changed_by=staff
        )
        stock_before = Product.objects.get(pk=product.pk).stock

        cancel, ship = run_at_once(
            lambda order=order: client.post(f"/api/orders/{order.pk}/cancel/"),
            lambda order=order: staff_client.patch(
                f"/api/orders/{order.pk}/status/", {"status": "shipped"}, format="json"
            ),
        )

        order.refresh_from_db()
        assert sorted([cancel.status_code, ship.status_code]) == [200, 400]
        history = list(order.status_history.values_list("from_status", "to_status"))
        stock_after = Product.objects.get(pk=product.pk).stock
        if cancel.status_code == 200:
            assert order.status == "cancelled"
            assert stock_after == stock_before + 2
            assert ship.json()["current_status"] == "cancelled"
            assert history[-1] == ("packing", "cancelled")
        else:
            assert order.status == "shipped"
            assert stock_after == stock_before
            assert cancel.json()["allowed"] == ["out_for_delivery"]
            assert history[-1] == ("packing", "shipped")
        assert len(history) == 3
        winners[order.status] += 1

    assert sum(winners.values()) == 8
