import uuid

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from knox.models import AuthToken

from accounts.tests.factories import UserFactory
from bench.costs import measure, wsgi_environ
from catalog.tests.factories import CategoryFactory
from ravoos_pansy.tests.backing_services import require_redis
from ravoos_pansy.tests.test_workers_share_limits import REDIS_TEST_URL

CEILING_LINE = "GET\t/bench/ceiling/\t\t"


def test_a_request_line_becomes_the_environ_wrk_would_send():
    environ = wsgi_environ(
        'POST\t/api/cart/add/?x=1\tsecret\t{"product_id": 7}', index=1003
    )

    assert environ["REQUEST_METHOD"] == "POST"
    assert (environ["PATH_INFO"], environ["QUERY_STRING"]) == ("/api/cart/add/", "x=1")
    assert environ["HTTP_AUTHORIZATION"] == "Token secret"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["wsgi.input"].read() == b'{"product_id": 7}'
    # The client address of line 1003, as bench/wrk/replay.lua names it.
    assert environ["HTTP_X_FORWARDED_FOR"] == "127.1.0.4"


@pytest.fixture
def bench_routes(settings):
    settings.ROOT_URLCONF = "bench.urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    return WSGIHandler()


@pytest.mark.django_db(transaction=True)
def test_the_ceiling_costs_no_query_and_no_redis_round_trip(bench_routes):
    cost = measure(bench_routes, [CEILING_LINE] * 3)

    assert (cost.requests, cost.errors) == (3, 0)
    assert cost.queries == 0
    assert cost.redis_round_trips == 0
    assert cost.cpu_ms > 0


@pytest.mark.django_db(transaction=True)
def test_queries_and_refused_requests_are_counted_per_request(bench_routes):
    _, token = AuthToken.objects.create(UserFactory())
    lines = [f"GET\t/api/auth/me/\t{token}\t", "GET\t/api/products/999999/\t\t"]

    cost = measure(bench_routes, lines)

    assert cost.requests == 2
    assert cost.errors == 1  # The unknown product's 404.
    # The token's look-up and the product's: two statements in two requests.
    assert cost.queries == 1.0


@pytest.fixture
def redis_cache(settings):
    require_redis(REDIS_TEST_URL)
    settings.CACHES = {
        "default": {
            "BACKEND": "ravoos_pansy.cache_backends.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"ravoos-costs-test-{uuid.uuid4().hex}",
        }
    }
    yield cache
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_redis_round_trips_are_counted_per_request(bench_routes, redis_cache):
    CategoryFactory(name="Books")
    tree = "GET\t/api/categories/\t\t"
    # The first read draws the generations and caches the tree; each
    # later one is answered with one round trip.
    measure(bench_routes, [tree])

    cost = measure(bench_routes, [tree] * 4, first_index=1)

    assert (cost.requests, cost.errors, cost.queries) == (4, 0, 0)
    assert cost.redis_round_trips == 1.0
