"""
A gunicorn worker killed in the middle of a checkout, on PostgreSQL.

The server starts as in production (gunicorn.conf.py, DEBUG off, a fresh
database), with one worker so that the worker serving the checkout is
known and the master has to replace it before anything else is served.
The test holds the checkout at its last insert (the checkout pause of the
conftest), after it has taken the stock and written the order; once
PostgreSQL shows the checkout waiting there, the worker gets SIGKILL.
Its transaction never commits: the order, its lines, the stock taken and
the cart cleared must all be gone. The client, having lost its answer,
retries with the same Idempotency-Key and gets exactly one whole order.
"""

import http.client
import json
import os
import secrets
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from ..concurrency import backend_waiting_on_a_lock
from ..conftest import PROJECT_DIR, VENV_BIN, free_port, run_manage
from .conftest import (
    CHECKOUT_PAUSED_QUERY,
    HOLD_CHECKOUTS,
    INSTALL_CHECKOUT_PAUSE,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WAIT_SECONDS = 60
STAFF_EMAIL = "staff@ravoos.example"
STAFF_PASSWORD = secrets.token_urlsafe(16)
CHECKOUT_KEY = "checkout-of-a-killed-worker"


def wait_for(probe, what, log=None):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}\n{log.read_text() if log else ''}")


class Server:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, body=None, token=None, headers=None):
        """(status, headers, JSON body); raises when the answer is lost."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=WAIT_SECONDS
        )
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Token {token}"
        try:
            connection.request(
                method,
                path,
                body=json.dumps(body) if body is not None else None,
                headers=sent,
            )
            response = connection.getresponse()
            raw = response.read()
            return response.status, dict(response.getheaders()), json.loads(raw)
        finally:
            connection.close()


def workers_of(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()]


@pytest.fixture
def gunicorn(production_env, fresh_database_url, tmp_path):
    env = {
        **production_env,
        "DATABASE_URL": fresh_database_url,
        "SECURE_SSL_REDIRECT": "false",
        "WEB_CONCURRENCY": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "ADMIN_EMAIL": STAFF_EMAIL,
        "ADMIN_PASSWORD": STAFF_PASSWORD,
    }
    for command in (("migrate", "--noinput"), ("ensure_admin",)):
        done = run_manage(*command, env=env)
        assert done.returncode == 0, done.stderr
    with psycopg.connect(fresh_database_url, autocommit=True) as db:
        for statement in INSTALL_CHECKOUT_PAUSE:
            db.execute(statement)

    port = free_port()
    env["GUNICORN_CMD_ARGS"] = f"--bind 127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        master = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port)

    def answers():
        if master.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log.read_text()}")
        try:
            return server.call("GET", "/api/health/")[0] == 200
        except OSError:
            return False

    try:
        wait_for(answers, "gunicorn to answer", log)
        yield server, master, log, fresh_database_url
    finally:
        os.killpg(master.pid, signal.SIGTERM)
        try:
            master.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait()


def open_shop(server):
    """A product of 5, a coupon and a customer with 2 in the cart, via the API."""
    staff = server.call(
        "POST", "/api/auth/login/", {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}
    )[2]["token"]
    category = server.call(
        "POST", "/api/admin/categories/", {"name": "Kitchen"}, staff
    )[2]
    product = server.call(
        "POST",
        "/api/admin/products/",
        {
            "name": "Teak bowl",
            "price": "100.00",
            "stock": 5,
            "category": category["id"],
        },
        staff,
    )[2]
    server.call(
        "POST",
        "/api/admin/coupons/",
        {
            "code": "KILL10",
            "kind": "fixed",
            "value": "10.00",
            "valid_from": "2024-01-01T00:00:00Z",
        },
        staff,
    )
    customer = server.call(
        "POST",
        "/api/auth/signup/",
        {
            "email": "buyer@ravoos.example",
            "name": "Buyer",
            "password": secrets.token_urlsafe(16),
        },
    )[2]["token"]
    address = server.call(
        "POST",
        "/api/auth/addresses/",
        {
            "full_name": "Buyer",
            "phone": "+91 98000 00000",
            "street": "1 MG Road",
            "city": "Pune",
            "state": "Maharashtra",
            "pincode": "411001",
        },
        customer,
    )[2]
    added = server.call(
        "POST",
        "/api/cart/add/",
        {"product_id": product["id"], "quantity": 2},
        customer,
    )
    assert added[0] == 200
    return customer, {"address_id": address["id"], "coupon": "KILL10"}


def database_state(url):
    with psycopg.connect(url, autocommit=True) as db:
        return {
            "orders": db.execute("SELECT count(*) FROM orders_order").fetchone()[0],
            "order_lines": db.execute(
                "SELECT count(*) FROM orders_orderline"
            ).fetchone()[0],
            "stock": db.execute("SELECT stock FROM catalog_product").fetchone()[0],
            "cart": db.execute(
                "SELECT quantity FROM cart_cartitem ORDER BY id"
            ).fetchall(),
            "coupon_uses": db.execute(
                "SELECT used_count FROM coupons_coupon"
            ).fetchone()[0],
            "redemptions": db.execute(
                "SELECT count(*) FROM coupons_couponredemption"
            ).fetchone()[0],
            "key_answers": db.execute(
                "SELECT response_status FROM orders_idempotencykey"
            ).fetchall(),
        }


def backend_paused_in_checkout(url):
    with psycopg.connect(url, autocommit=True) as db, db.cursor() as cursor:
        return backend_waiting_on_a_lock(cursor, CHECKOUT_PAUSED_QUERY)


def backend_is_gone(url, pid):
    with psycopg.connect(url, autocommit=True) as db:
        found = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()[0]
    return found == 0


def test_a_worker_killed_during_checkout_leaves_nothing_and_the_retry_one_order(
    gunicorn,
):
    server, master, log, url = gunicorn
    token, body = open_shop(server)
    key = {"Idempotency-Key": CHECKOUT_KEY}
    before = database_state(url)
    [worker] = workers_of(master.pid)

    # The checkout is held at its last insert, its order written; the
    # worker serving it is killed there.
    with (
        psycopg.connect(url) as lock,
        ThreadPoolExecutor(max_workers=1) as client,
    ):
        lock.execute(HOLD_CHECKOUTS)
        checkout = client.submit(
            server.call, "POST", "/api/orders/checkout/", body, token, key
        )
        backend = wait_for(
            lambda: backend_paused_in_checkout(url),
            "the checkout to reach its last insert",
            log,
        )
        os.kill(worker, signal.SIGKILL)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            checkout.result(timeout=WAIT_SECONDS)
        lock.rollback()

    wait_for(lambda: backend_is_gone(url, backend), "the dead worker's backend")
    after_kill = database_state(url)
    replacement = wait_for(
        lambda: [pid for pid in workers_of(master.pid) if pid != worker],
        "the master to start a new worker",
        log,
    )
    retry = server.call("POST", "/api/orders/checkout/", body, token, key)
    replay = server.call("POST", "/api/orders/checkout/", body, token, key)

    # Only the key's claim, made before the checkout began, is left: a
    # claim without an answer, which the retry takes over.
    assert after_kill == {**before, "key_answers": [(None,)]}
    assert before == {
        "orders": 0,
        "order_lines": 0,
        "stock": 5,
        "cart": [(2,)],
        "coupon_uses": 0,
        "redemptions": 0,
        "key_answers": [],
    }
    assert f"Worker (pid:{worker}) was sent SIGKILL!" in log.read_text()
    assert len(replacement) == 1
    assert retry[0] == 201
    assert [line["quantity"] for line in retry[2]["items"]] == [2]
    assert (retry[2]["subtotal"], retry[2]["discount"]) == ("200.00", "10.00")
    assert replay[0] == 201
    assert replay[1]["Idempotent-Replayed"] == "true"
    assert replay[2]["id"] == retry[2]["id"]
    assert database_state(url) == {
        "orders": 1,
        "order_lines": 1,
        "stock": 3,
        "cart": [],
        "coupon_uses": 1,
        "redemptions": 1,
        "key_answers": [(201,)],
    }
