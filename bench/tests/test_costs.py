import pytest
from django.core.handlers.wsgi import WSGIHandler
from knox.models import AuthToken

from accounts.tests.factories import UserFactory
from bench.costs import measure, wsgi_environ

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
