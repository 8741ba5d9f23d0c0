"""
Rate limits and cached token look-ups across gunicorn workers: the
production settings, DEBUG off, gunicorn.conf.py with two workers, the
counters and the cache in the real Redis. A limit counted in each worker's
own memory would let each worker allow it in full; in Redis the workers
share one count. A token revoked through one worker must be refused by
the other at once, though both had its look-up cached.

Each worker's Redis connections carry a client name of this test's own (a
query parameter of REDIS_URL), so Redis itself shows that both workers
counted requests.
"""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from .backing_services import REDIS_TEST_URL, require_redis
from .conftest import PROJECT_DIR, VENV_BIN, free_port, run_manage

pytestmark = pytest.mark.slow

START_TIMEOUT_SECONDS = 120
REQUEST_TIMEOUT_SECONDS = 30
HEADERS = {"X-Forwarded-Proto": "https", "Content-Type": "application/json"}


class Server:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        """One request on a connection of its own: (status, headers, body)."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            connection.request(
                method,
                path,
                body=json.dumps(body) if body is not None else None,
                headers={**HEADERS, **(headers or {})},
            )
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@pytest.fixture
def start_server(production_env, fresh_database_url, tmp_path):
    """Starts gunicorn as production does, with `extra` environment variables."""
    processes = []

    def start(**extra):
        env = {
            **production_env,
            "DATABASE_URL": fresh_database_url,
            "SECURE_SSL_REDIRECT": "false",
            "WEB_CONCURRENCY": "2",
            **extra,
        }
        migrated = run_manage("migrate", "--noinput", env=env)
        assert migrated.returncode == 0, migrated.stderr
        port = free_port()
        env["GUNICORN_CMD_ARGS"] = f"--bind 127.0.0.1:{port}"
        log = tmp_path / "server.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py"],
                cwd=PROJECT_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        processes.append(process)
        server = Server(port)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited early:\n{log.read_text()}")
            try:
                server.request("GET", "/api/health/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer in time:\n{log.read_text()}")
                time.sleep(0.25)
        return server, log

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def redis_db():
    """The test's Redis database; the app's keys (prefix `ravoos`) removed."""
    require_redis(REDIS_TEST_URL)
    server = redis.Redis.from_url(REDIS_TEST_URL)

    def remove_keys():
        for key in server.scan_iter(match="ravoos:*"):
            server.delete(key)

    remove_keys()
    yield server
    remove_keys()
    server.close()


def wrong_login(server, n):
    status, headers, _ = server.request(
        "POST",
        "/api/auth/login/",
        {"email": f"guess{n}@example.com", "password": "not-the-password"},
    )
    return status, headers.get("Retry-After")


def test_two_workers_share_one_login_limit_in_redis(start_server, redis_db):
    client_name = f"ravoos-workers-{secrets.token_hex(4)}"
    server, log = start_server(
        REDIS_URL=f"{REDIS_TEST_URL}?client_name={client_name}",
        THROTTLE_AUTH="5/min",
        THROTTLE_AUTH_EMAIL="1000/min",
        LOCKOUT_FAILURES_PER_ADDRESS="1000",
    )

    # One after another, then in bursts of six at once, so that both
    # workers take requests whichever of them the kernel hands the first.
    one_by_one = [wrong_login(server, n) for n in range(8)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        at_once = list(pool.map(lambda n: wrong_login(server, n), range(8, 32)))

    assert [status for status, _ in one_by_one] == [400] * 5 + [429] * 3
    assert [status for status, _ in at_once] == [429] * 24
    # The wait counts down from the first request of the window.
    assert {retry is None for _, retry in one_by_one[:5]} == {True}
    assert all(0 < int(retry) <= 60 for _, retry in [*one_by_one[5:], *at_once])
    workers = {
        client["addr"]
        for client in redis_db.client_list()
        if client["name"] == client_name
    }
    assert len(workers) == 2, log.read_text()


def test_a_token_logged_out_through_one_worker_is_refused_by_both_at_once(
    start_server, redis_db
):
    client_name = f"ravoos-workers-{secrets.token_hex(4)}"
    server, log = start_server(REDIS_URL=f"{REDIS_TEST_URL}?client_name={client_name}")
    account = {"email": "new@example.com", "name": "New", "password": "Str0ng-pass!"}
    signup = server.request("POST", "/api/auth/signup/", account)
    token = json.loads(signup[2])["token"]
    signed_in = {"Authorization": f"Token {token}"}

    def read_me(_):
        return server.request("GET", "/api/auth/me/", headers=signed_in)[0]

    # Bursts of six at once, so that both workers answer with the token's
    # look-up cached.
    with ThreadPoolExecutor(max_workers=6) as pool:
        before = list(pool.map(read_me, range(24)))
    cached = list(redis_db.scan_iter(match="ravoos:*:cached:*:token:*"))
    logout = server.request("POST", "/api/auth/logout/", headers=signed_in)
    with ThreadPoolExecutor(max_workers=6) as pool:
        after = list(pool.map(read_me, range(24)))

    assert signup[0] == 201
    assert before == [200] * 24
    assert len(cached) == 1
    assert logout[0] == 204
    assert after == [401] * 24
    workers = {
        client["addr"]
        for client in redis_db.client_list()
        if client["name"] == client_name
    }
    assert len(workers) == 2, log.read_text()


def test_with_redis_unreachable_the_server_keeps_serving_and_logs_warnings(
    start_server,
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    server, log = start_server(REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")
    account = {"email": "new@example.com", "name": "New", "password": "Str0ng-pass!"}

    products = server.request("GET", "/api/products/")
    signup = server.request("POST", "/api/auth/signup/", account)
    login = server.request(
        "POST",
        "/api/auth/login/",
        {"email": account["email"], "password": account["password"]},
    )
    token = json.loads(login[2])["token"]
    me = server.request(
        "GET", "/api/auth/me/", headers={"Authorization": f"Token {token}"}
    )

    assert [products[0], signup[0], login[0], me[0]] == [200, 201, 200, 200]
    assert json.loads(products[2])["count"] == 0
    assert json.loads(me[2])["email"] == account["email"]
    logged = log.read_text()
    warning = re.compile(
        r"WARNING \[\w+\] django_redis\.cache Cache unavailable, carrying on "
        rf"without it: .*Error 111 connecting to 127\.0\.0\.1:{closed_port}\."
    )
    assert warning.search(logged), logged
    assert "ERROR" not in logged
    assert "Traceback" not in logged
