import os

import pytest
import redis
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from knox.models import AuthToken

from accounts.tests.factories import UserFactory
from bench.costs import Cost, measure, table, wsgi_environ
from bench.server import postgres_cpu_seconds, redis_cpu_seconds
from catalog.tests.factories import CategoryFactory
from ravoos_pansy.tests.backing_services import REDIS_TEST_URL, require_redis

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


def _write_stat(proc, pid, name, *, utime, stime, cutime=0, cstime=0):
    # The layout of /proc/PID/stat, up to the fields that are read.
    process = proc / str(pid)
    process.mkdir()
    (process / "stat").write_text(
        f"{pid} ({name}) S 1 {pid} {pid} 0 -1 4194304 0 0 0 0 "
        f"{utime} {stime} {cutime} {cstime} 20 0 1 0\n"
    )


def test_postgres_cpu_adds_every_postgres_process_and_its_reaped_backends(
    tmp_path,
):
    _write_stat(tmp_path, 100, "postgres", utime=5, stime=3, cutime=40, cstime=2)
    _write_stat(tmp_path, 101, "postgres", utime=7, stime=1)
    _write_stat(tmp_path, 102, "python3.13", utime=900, stime=90)
    (tmp_path / "self").mkdir()

    seconds = postgres_cpu_seconds(proc=tmp_path)

    assert seconds == 58 / os.sysconf("SC_CLK_TCK")


def test_postgres_cpu_is_unknown_without_a_local_server(tmp_path):
    _write_stat(tmp_path, 102, "python3.13", utime=900, stime=90)

    assert postgres_cpu_seconds(proc=tmp_path) is None


def test_a_row_without_postgres_cpu_leaves_its_cell_empty():
    cost = Cost(
        requests=10,
        errors=0,
        cpu_ms=1.5,
        wall_ms=2.0,
        queries=1.0,
        redis_round_trips=1.0,
        redis_cpu_ms=0.25,
    )

    row = table([("product detail", cost)])[-1]

    assert row == "| product detail | 10 | 0 | 1.500 | 2.000 | 1.00 | 1.00 |  | 0.250 |"


@pytest.mark.django_db
def test_the_local_postgres_server_cpu_grows_with_the_work_it_does():
    if connection.vendor != "postgresql":
        pytest.skip("the database is not PostgreSQL")
    if connection.settings_dict["HOST"] not in ("", "localhost", "127.0.0.1", "::1"):
        pytest.skip("PostgreSQL runs on another host")
    before = postgres_cpu_seconds()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM generate_series(1, 3000000)")

    assert postgres_cpu_seconds() - before >= 0.05


def test_the_redis_server_cpu_grows_with_the_work_it_does():
    require_redis(REDIS_TEST_URL)
    client = redis.Redis.from_url(REDIS_TEST_URL)
    before = redis_cpu_seconds(REDIS_TEST_URL)

    try:
        client.eval("for i = 1, 60000000 do end return 1", 0)
    finally:
        client.close()

    assert redis_cpu_seconds(REDIS_TEST_URL) - before >= 0.05
