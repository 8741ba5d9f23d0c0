"""
`python -m bench.costs`: what one request of each route costs the server,
measured in this process rather than under load.

A load run's figures move with everything else the machine runs; these
hold much stiller, so a change to a route is best compared by running this
on each side of it. The requests are the ones `make bench` sends (written
by bench/dataset.py into the same PostgreSQL database, with the same
Redis), passed straight to Django's WSGI handler with the production
settings and DEBUG off. Per route it prints the CPU and wall time of a
request, how many SQL statements and Redis round trips it made, and the
CPU time the PostgreSQL and Redis servers spent meanwhile (PostgreSQL's
only where it runs on this machine).
Logging is at WARNING, so the per-request log line is left out.
"""

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from . import server
from .run import CEILING, ENDPOINTS

# The address scheme of bench/wrk/replay.lua: a client per line, out of 1000.
CLIENT_COUNT = 1000


@dataclass(frozen=True)
class Cost:
    """What the requests of one route cost, each, on average."""

    requests: int
    errors: int
    cpu_ms: float
    wall_ms: float
    queries: float
    redis_round_trips: float
    # What the PostgreSQL and Redis servers spent meanwhile, left empty
    # where it cannot be read (a database on another host).
    postgres_cpu_ms: float | None = None
    redis_cpu_ms: float | None = None


def wsgi_environ(line, index):
    """The WSGI environ of one line of a requests file (bench/dataset.py)."""
    method, target, token, body = line.split("\t", 3)
    path, _, query = target.partition("?")
    content = body.encode()
    client = index % CLIENT_COUNT
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": f"127.1.{client // 250}.{client % 250 + 1}",
        "CONTENT_LENGTH": str(len(content)),
        "wsgi.input": io.BytesIO(content),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    return environ


def measure(application, lines, *, first_index=0):
    """
    Sends each of `lines` through the WSGI `application` once, in turn, and
    returns what a request cost on average.
    """
    from django.db import connection

    statuses = []
    queries = []
    round_trips = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status.split()[0]))

    def count_query(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    cpu_started, wall_started = time.process_time(), time.perf_counter()
    with (
        connection.execute_wrapper(count_query),
        _counting_redis_round_trips(round_trips),
    ):
        for index, line in enumerate(lines, start=first_index):
            body = application(wsgi_environ(line, index), start_response)
            try:
                b"".join(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
    cpu, wall = time.process_time() - cpu_started, time.perf_counter() - wall_started

    count = len(lines)
    return Cost(
        requests=count,
        errors=sum(1 for status in statuses if status >= 300),
        cpu_ms=1000 * cpu / count,
        wall_ms=1000 * wall / count,
        queries=len(queries) / count,
        redis_round_trips=len(round_trips) / count,
    )


@contextlib.contextmanager
def _counting_redis_round_trips(round_trips):
    """
    Notes every write of commands to a Redis socket: one per round trip, as
    a pipeline's commands go out in one write.
    """
    from redis.connection import AbstractConnection

    send = AbstractConnection.send_packed_command

    def counting_send(connection, command, check_health=True):
        round_trips.append(command)
        return send(connection, command, check_health)

    AbstractConnection.send_packed_command = counting_send
    try:
        yield
    finally:
        AbstractConnection.send_packed_command = send


def table(rows):
    lines = [
        "| route | requests | errors | CPU ms/request | wall ms/request "
        "| SQL/request | Redis round trips/request "
        "| PostgreSQL CPU ms/request | Redis CPU ms/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, cost in rows:
        lines.append(
            f"| {label} | {cost.requests:,} | {cost.errors} | {cost.cpu_ms:.3f} "
            f"| {cost.wall_ms:.3f} | {cost.queries:.2f} "
            f"| {cost.redis_round_trips:.2f} | {_milliseconds(cost.postgres_cpu_ms)} "
            f"| {_milliseconds(cost.redis_cpu_ms)} |"
        )
    return lines


def _milliseconds(value):
    return "" if value is None else f"{value:.3f}"


def main(argv=None):
    options = _parse_arguments(argv)
    work = Path(options.work_dir or tempfile.mkdtemp(prefix="ravoos-costs-"))
    data = work / "data"
    database_url = f"{options.postgres}/ravoos_bench"
    environment = server.server_environment(
        database_url=database_url, redis_url=options.redis, workers=1, threads=1
    )
    environment["LOG_LEVEL"] = "WARNING"
    if not options.reuse_data:
        server.prepare_database(
            database_url, products=options.products, out=data, environment=environment
        )
    server.flush_redis(options.redis)

    os.environ.update(environment)
    import django
    from django.core.handlers.wsgi import WSGIHandler

    django.setup()
    application = WSGIHandler()

    rows = []
    selected = [
        endpoint
        for endpoint in ENDPOINTS
        if not options.only or endpoint.key in options.only
    ]
    for endpoint in [CEILING, *selected]:
        lines = [
            line
            for line in (data / f"{endpoint.key}.tsv").read_text().splitlines()
            if line
        ]
        if endpoint.mode == "once":
            # Each line once (a checkout empties its cart): the first ones
            # warm up, the next ones are measured.
            warmup = lines[: options.warmup]
            measured = lines[options.warmup : options.warmup + options.requests]
        else:
            # Every line once first, so that cached reads are measured as a
            # load run's steady state serves them.
            warmup = _repeat(lines, max(options.warmup, len(lines)))
            measured = _repeat(lines, options.requests)
        measure(application, warmup)
        servers_before = _servers_cpu_seconds(options.redis)
        cost = measure(application, measured, first_index=len(warmup))
        cost = _with_servers_cpu(
            cost, servers_before, _servers_cpu_seconds(options.redis)
        )
        server.say(f"  {endpoint.label}: {cost.cpu_ms:.3f} ms CPU/request")
        rows.append((endpoint.label, cost))

    server.say("\n".join(table(rows)))
    server.flush_redis(options.redis)


def _servers_cpu_seconds(redis_url):
    return server.postgres_cpu_seconds(), server.redis_cpu_seconds(redis_url)


def _with_servers_cpu(cost, before, after):
    postgres_ms, redis_ms = (
        None if first is None else 1000 * (last - first) / cost.requests
        for first, last in zip(before, after, strict=True)
    )
    return replace(cost, postgres_cpu_ms=postgres_ms, redis_cpu_ms=redis_ms)


def _repeat(lines, count):
    return [lines[index % len(lines)] for index in range(count)]


def _parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    server.add_shared_arguments(parser)
    parser.add_argument(
        "--requests", type=int, default=3000, help="Measured requests per route."
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=300,
        help="Requests per route before those (at least one of each request a "
        "route cycles through).",
    )
    parser.add_argument("--work-dir", help="Where the request files go.")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
