"""
Redis out of reach: a closed port (refused at once) and a server that
accepts connections but never answers (each call waits for the socket
timeout). Either way the API keeps serving, throttles and the lockout let
requests through, and the cache's failures are logged as warnings.

The cache here is configured as the production settings configure it when
REDIS_URL is set; `test_workers_share_limits.py` starts the real production
configuration against a closed port too.
"""

import socket
import threading

import pytest
from django.core.cache import cache
from knox.models import AuthToken

from accounts.models import User
from catalog.tests.factories import ProductFactory


def redis_cache_at(port):
    return {
        "default": {
            "BACKEND": "ravoos_pansy.cache_backends.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "ravoos",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.1, "SOCKET_TIMEOUT": 0.1},
        }
    }


@pytest.fixture
def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server():
    """A port that accepts connections and never says a word; yields it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.fixture
def strict_limits(settings):
    """
    Limits the requests below would trip if the counts worked, so that a
    200 shows the limits gave way.
    """
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "1/min",
            "auth": "1/min",
            "auth_email": "1/min",
        },
    }
    settings.LOCKOUT_FAILURES_PER_EMAIL = 1
    settings.LOCKOUT_FAILURES_PER_ADDRESS = 1


def serve_while_the_cache_is_down(api_client):
    """A guest browses, signs up, fails a login, logs in and reads `me`."""
    ProductFactory(name="Teak Chair")
    browse = [api_client.get("/api/products/") for _ in range(2)]
    signup = api_client.post(
        "/api/auth/signup/",
        {"email": "new@example.com", "name": "New", "password": "Str0ng-pass!"},
    )
    failed = api_client.post(
        "/api/auth/login/", {"email": "new@example.com", "password": "wrong"}
    )
    login = api_client.post(
        "/api/auth/login/", {"email": "new@example.com", "password": "Str0ng-pass!"}
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    me = api_client.get("/api/auth/me/")
    return [*browse, signup, failed, login, me]


@pytest.mark.django_db
def test_with_redis_refusing_connections_the_api_serves_and_logs_warnings(
    api_client, settings, closed_port, strict_limits, caplog
):
    settings.CACHES = redis_cache_at(closed_port)

    with caplog.at_level("WARNING"):
        answers = serve_while_the_cache_is_down(api_client)

    assert [a.status_code for a in answers] == [200, 200, 201, 400, 200, 200]
    assert answers[0].json()["results"][0]["name"] == "Teak Chair"
    assert answers[-1].json()["email"] == "new@example.com"
    assert User.objects.count() == 1
    assert AuthToken.objects.count() == 2  # one from signup, one from login
    outage = [r for r in caplog.records if r.name == "django_redis.cache"]
    assert outage
    assert {r.levelname for r in outage} == {"WARNING"}
    assert all(
        r.getMessage().startswith("Cache unavailable, carrying on without it: ")
        and f"127.0.0.1:{closed_port}" in r.getMessage()
        and r.exc_info is None
        for r in outage
    )
    assert not [r for r in caplog.records if r.levelname in {"ERROR", "CRITICAL"}]


@pytest.mark.django_db
def test_with_redis_never_answering_the_api_serves_after_the_socket_timeouts(
    api_client, settings, silent_server, strict_limits, caplog
):
    settings.CACHES = redis_cache_at(silent_server)

    with caplog.at_level("WARNING"):
        answers = serve_while_the_cache_is_down(api_client)

    assert [a.status_code for a in answers] == [200, 200, 201, 400, 200, 200]
    outage = [r.getMessage() for r in caplog.records if r.name == "django_redis.cache"]
    assert outage
    assert all("Timeout" in message for message in outage)


@pytest.mark.django_db
def test_a_cache_read_during_the_outage_misses_instead_of_failing(
    settings, closed_port
):
    settings.CACHES = redis_cache_at(closed_port)

    cache.set("greeting", "hello")

    assert cache.get("greeting") is None
    assert cache.get("greeting", "default") == "default"
    assert cache.add("counter", 0) is None
