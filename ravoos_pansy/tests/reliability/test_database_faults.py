"""
The database connection killed under a request, on PostgreSQL.

Requests go through the project's WSGI application as a server runs it,
request signals included (Django checks a reused connection at the start
of each request), from one thread that plays a server worker: its
database connection lives on from one request to the next, as it does in
gunicorn with CONN_MAX_AGE.

To kill a checkout's connection while it is inside the database, the test
holds it at its last insert, after it has taken the stock and written the
order, its lines and its coupon use (the checkout pause of the conftest),
waits until PostgreSQL shows the checkout's backend waiting there, and ends
that backend with `pg_terminate_backend`.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from knox.models import AuthToken
from werkzeug.test import Client

from cart.models import CartItem
from catalog.models import Product
from coupons.models import Coupon, CouponRedemption
from orders.models import IdempotencyKey, Order, OrderLine, OrderStatusChange
from ravoos_pansy.tests.concurrency import backend_waiting_on_a_lock
from ravoos_pansy.wsgi import application

from .conftest import (
    CHECKOUT_PAUSED_QUERY,
    HOLD_CHECKOUTS,
    INSTALL_CHECKOUT_PAUSE,
    REMOVE_CHECKOUT_PAUSE,
    is_error_shape,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30


def wait_for(probe, what):
    """Polls `probe` until it returns something truthy; fails after a while."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def terminate(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)


class Worker:
    """One thread with one persistent connection, like a gunicorn worker."""

    def __init__(self, token):
        self.client = Client(application)
        self.headers = {"Authorization": f"Token {token}"}
        self.pool = ThreadPoolExecutor(max_workers=1)

    def send(self, method, path, body=None, headers=None):
        """Starts a request; `.result()` gives (status, headers, JSON)."""

        def call():
            response = self.client.open(
                path,
                method=method,
                data=json.dumps(body) if body is not None else None,
                content_type="application/json",
                headers={**self.headers, **(headers or {})},
            )
            return response.status_code, response.headers, response.get_json()

        return self.pool.submit(call)

    def backend_pid(self):
        def pid():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return cursor.fetchone()[0]

        return self.pool.submit(pid).result(timeout=WAIT_SECONDS)

    def stop(self):
        self.pool.submit(lambda: connection.close()).result(timeout=WAIT_SECONDS)
        self.pool.shutdown()


@pytest.fixture
def checkout_pause(db):
    with connection.cursor() as cursor:
        for statement in INSTALL_CHECKOUT_PAUSE:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in REMOVE_CHECKOUT_PAUSE:
            cursor.execute(statement)


@pytest.fixture
def worker(shop, checkout_pause):
    _, token = AuthToken.objects.create(shop.user)
    worker = Worker(token)
    yield worker
    worker.stop()


def shop_state(shop):
    """What a checkout of the owner's cart would change."""
    return {
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "status_changes": OrderStatusChange.objects.count(),
        "stock": Product.objects.get(pk=shop.product.pk).stock,
        "cart": list(
            CartItem.objects.filter(user=shop.user).values_list(
                "product_id", "quantity"
            )
        ),
        "coupon_uses": Coupon.objects.get(pk=shop.coupon.pk).used_count,
        "redemptions": CouponRedemption.objects.count(),
    }


def paused_checkout(cursor, answer):
    """The paused checkout's backend; fails if the checkout answered first."""
    if answer.done():
        pytest.fail(f"answered {answer.result()}")
    return backend_waiting_on_a_lock(cursor, CHECKOUT_PAUSED_QUERY)


def checkout_killed_before_it_commits(shop, worker, headers=None):
    """The checkout's answer once its connection was killed mid-transaction."""
    body = {"address_id": shop.address.pk, "coupon": shop.coupon.code}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(HOLD_CHECKOUTS)
        answer = worker.send("POST", "/api/orders/checkout/", body, headers)
        pid = wait_for(
            lambda: paused_checkout(cursor, answer),
            "the checkout to reach its last insert",
        )
        terminate(pid)
    return answer.result(timeout=WAIT_SECONDS)


def test_a_checkout_whose_connection_is_killed_answers_503_and_leaves_nothing(
    shop, worker
):
    before = shop_state(shop)

    status, _, body = checkout_killed_before_it_commits(shop, worker)

    assert status == 503
    assert is_error_shape(body)
    assert body["type"] == "server_error"
    assert body["errors"][0]["code"] == "service_unavailable"
    assert shop_state(shop) == before


def test_the_next_request_on_the_same_worker_succeeds_and_places_the_order(
    shop, worker
):
    before = shop_state(shop)
    checkout_killed_before_it_commits(shop, worker)

    cart = worker.send("GET", "/api/cart/").result(timeout=WAIT_SECONDS)
    status, _, order = worker.send(
        "POST",
        "/api/orders/checkout/",
        {"address_id": shop.address.pk, "coupon": shop.coupon.code},
    ).result(timeout=WAIT_SECONDS)

    assert cart[0] == 200
    assert cart[2]["item_count"] == 2
    assert status == 201
    assert [(line["product_id"], line["quantity"]) for line in order["items"]] == [
        (shop.product.pk, 2)
    ]
    assert order["discount"] == "50.00"
    assert shop_state(shop) == {
        **before,
        "orders": before["orders"] + 1,
        "order_lines": before["order_lines"] + 1,
        "status_changes": before["status_changes"] + 1,
        "stock": before["stock"] - 2,
        "cart": [],
        "coupon_uses": 1,
        "redemptions": 1,
    }


def test_a_retry_with_the_same_idempotency_key_places_exactly_one_order(shop, worker):
    key = {"Idempotency-Key": "killed-then-retried"}
    before = shop_state(shop)

    first = checkout_killed_before_it_commits(shop, worker, key)
    retry = worker.send(
        "POST",
        "/api/orders/checkout/",
        {"address_id": shop.address.pk, "coupon": shop.coupon.code},
        key,
    ).result(timeout=WAIT_SECONDS)
    replay = worker.send(
        "POST",
        "/api/orders/checkout/",
        {"address_id": shop.address.pk, "coupon": shop.coupon.code},
        key,
    ).result(timeout=WAIT_SECONDS)

    assert first[0] == 503
    assert retry[0] == 201
    assert replay[0] == 201
    assert replay[1]["Idempotent-Replayed"] == "true"
    assert replay[2]["id"] == retry[2]["id"]
    assert shop_state(shop)["orders"] == before["orders"] + 1
    assert (
        IdempotencyKey.objects.get(key="killed-then-retried").order_id
        == (retry[2]["id"])
    )


def test_a_connection_killed_between_requests_is_replaced_unnoticed(shop, worker):
    first = worker.send("GET", "/api/auth/me/").result(timeout=WAIT_SECONDS)
    old_pid = worker.backend_pid()
    terminate(old_pid)

    second = worker.send("GET", "/api/auth/me/").result(timeout=WAIT_SECONDS)

    assert first[0] == 200
    assert second[0] == 200
    assert second[2]["email"] == shop.user.email
    assert worker.backend_pid() != old_pid


def test_a_read_whose_connection_is_killed_answers_503_and_the_next_one_200(
    shop, worker
):
    # A read outside any transaction: Django notes the error and drops the
    # connection when the request ends.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE cart_cartitem IN ACCESS EXCLUSIVE MODE")
        answer = worker.send("GET", "/api/cart/")
        pid = wait_for(
            lambda: backend_waiting_on_a_lock(cursor, "SELECT"),
            "the cart read to wait for the table",
        )
        terminate(pid)
    first = answer.result(timeout=WAIT_SECONDS)

    second = worker.send("GET", "/api/cart/").result(timeout=WAIT_SECONDS)

    assert first[0] == 503
    assert first[2]["errors"][0]["code"] == "service_unavailable"
    assert second[0] == 200
    assert second[2]["item_count"] == 2
