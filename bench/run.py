"""
`make bench`: load-test the production server against its own ceiling.

Recreates a PostgreSQL database, fills it (bench/dataset.py), starts
gunicorn with the project's config and DEBUG off, and drives each endpoint
with wrk from a separate process on loopback: a warm-up, then a measured
run of fixed length. The ceiling (a constant DRF answer, bench/views.py) is
measured before and after every row, and each row's ratio is to the mean
of the two ceilings around it: on a shared machine the load drifts within
a run. Then the scaling rows: product list and search with a small and a
large catalog.
The table is printed and written into docs/benchmarks.md.
"""

import argparse
import os
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from . import load, report, server
from .dataset import CATEGORY_SLUG, SEARCH_TERM
from .load import Endpoint

ENDPOINTS = [
    Endpoint("product_list", "product list, page of 20", target=0.5),
    Endpoint(
        "product_list_category", f"product list, category={CATEGORY_SLUG}", target=0.5
    ),
    Endpoint("product_search", f"product search, search={SEARCH_TERM}", target=0.3),
    Endpoint(
        "product_search_category",
        f"product search, category={CATEGORY_SLUG}&search={SEARCH_TERM}",
        target=0.3,
    ),
    Endpoint("product_detail", "product detail (300 products in turn)", target=0.6),
    Endpoint("category_tree", "category tree", target=0.6),
    Endpoint("cart_read", "cart read, 3 lines", target=0.4),
    Endpoint("cart_add", "add to cart"),
    Endpoint("checkout", "checkout, 3 lines", target=0.15, mode="once"),
    Endpoint("order_history", "order history, page of 20", target=0.4),
]
CEILING = Endpoint("ceiling", "ceiling (constant JSON)")
SCALING = ["product_list", "product_search"]
DOCS = server.ROOT / "docs" / "benchmarks.md"


def main(argv=None):
    options = _parse_arguments(argv)
    work = Path(options.work_dir or tempfile.mkdtemp(prefix="ravoos-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    load.wrk_path()
    load_before = os.getloadavg()[0]
    started = time.monotonic()

    selected = [
        endpoint
        for endpoint in ENDPOINTS
        if not options.only or endpoint.key in options.only
    ]
    database_url = f"{options.postgres}/ravoos_bench"
    environment = server.server_environment(
        database_url=database_url,
        redis_url=options.redis,
        workers=options.workers,
        threads=options.threads,
        extra=_gunicorn_overrides(options),
    )
    data = work / "data"
    if not options.reuse_data:
        server.prepare_database(
            database_url, products=options.products, out=data, environment=environment
        )

    server.say(f"Server log: {work / 'server.log'}")
    interleaved = [CEILING]
    for endpoint in selected:
        interleaved += [endpoint, CEILING]
    rows = _measure(
        endpoints=interleaved,
        environment=environment,
        data=data,
        options=options,
        log_path=work / "server.log",
    )

    scaling = {}
    if options.scale:
        scaling = _measure_scaling(options=options, work=work)

    block = _report_block(
        rows=rows,
        scaling=scaling,
        options=options,
        database_url=database_url,
        load_before=load_before,
        started=started,
    )
    server.say("\n".join(block))
    if options.write_docs:
        report.write_docs(DOCS, block)
        server.say(f"Written to {DOCS.relative_to(server.ROOT)}")
    server.flush_redis(options.redis)


def _measure(*, endpoints, environment, data, options, log_path, port_offset=0):
    server.flush_redis(options.redis)
    results = []
    with server.running_server(
        port=options.port + port_offset, environment=environment, log_path=log_path
    ) as running:
        base_url = running.base_url
        for endpoint in endpoints:
            requests_file = data / f"{endpoint.key}.tsv"
            if endpoint.mode == "cycle":
                load.check_first_request(base_url, requests_file)
                _run(endpoint, base_url, requests_file, options, options.warmup)
            cpu_before = running.cpu_seconds()
            seconds = (
                options.ceiling_duration if endpoint is CEILING else options.duration
            )
            result = _run(endpoint, base_url, requests_file, options, seconds)
            cpu = running.cpu_seconds() - cpu_before
            result = replace(result, cpu_ms=1000 * cpu / max(result.requests, 1))
            server.say(
                f"  {endpoint.label}: {result.per_second:,.0f} req/s, "
                f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
                f"{result.errors} errors, {result.cpu_ms:.2f} ms CPU/request"
            )
            results.append((endpoint, result))
    return results


def _run(endpoint, base_url, requests_file, options, seconds):
    return load.run_wrk(
        base_url=base_url,
        requests_file=requests_file,
        mode=endpoint.mode,
        seconds=seconds,
        threads=options.wrk_threads,
        connections=options.connections,
    )


# The scaling rows run twice per size: as production runs (bodies and
# counts cached) and with the read cache off, when every request runs its
# queries, as the first requests after a catalog change do.
SCALING_MODES = {
    "cached reads": {},
    "read cache off": {"READ_CACHE_SECONDS": "0"},
}


def _measure_scaling(*, options, work):
    """
    Product list and search at each size of --scale, on a database of
    their own that grows from the smallest size to the largest, in each of
    `SCALING_MODES`.
    """
    database_url = f"{options.postgres}/ravoos_bench_scale"
    environments = {
        mode: server.server_environment(
            database_url=database_url,
            redis_url=options.redis,
            workers=options.workers,
            threads=options.threads,
            extra={**(_gunicorn_overrides(options) or {}), **settings},
        )
        for mode, settings in SCALING_MODES.items()
    }
    endpoints = [endpoint for endpoint in ENDPOINTS if endpoint.key in SCALING]
    points = {
        f"{endpoint.label} ({mode})": {}
        for endpoint in endpoints
        for mode in SCALING_MODES
    }

    server.recreate_database(database_url)
    server.manage(
        "migrate", "--noinput", "-v0", environment=environments["cached reads"]
    )
    try:
        for size in sorted(options.scale):
            server.say(f"Scaling: {size:,} products")
            data = work / f"scale-{size}"
            server.prepare_dataset(
                products=size,
                out=data,
                environment=environments["cached reads"],
                catalog_only=True,
            )
            for mode, environment in environments.items():
                rows = _measure(
                    endpoints=endpoints,
                    environment=environment,
                    data=data,
                    options=options,
                    log_path=work / "server.log",
                    port_offset=1,
                )
                for endpoint, result in rows:
                    points[f"{endpoint.label} ({mode})"][size] = result
    finally:
        server.drop_database(database_url)
    return points


def _report_block(*, rows, scaling, options, database_url, load_before, started):
    ceilings = [result for endpoint, result in rows if endpoint is CEILING]
    measured = [
        (endpoint, result, (rows[index - 1][1], rows[index + 1][1]))
        for index, (endpoint, result) in enumerate(rows)
        if endpoint is not CEILING
    ]
    rates = [result.per_second for result in ceilings]
    block = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{options.products:,} products; wrk -t{options.wrk_threads} "
        f"-c{options.connections}, {options.duration} s per row after a "
        f"{options.warmup} s warm-up. The ceiling was measured "
        f"{len(ceilings)} times, before and after each row: "
        f"{min(rates):,.0f} to {max(rates):,.0f} req/s; each ratio is to "
        "the two ceilings around its row.",
        "",
        *report.results_table(ceilings=ceilings, rows=measured),
        "",
    ]
    if scaling:
        block += [
            "Scaling: p50 latency and throughput of the same requests as the "
            "catalog grows (a database of its own per size, same server): as "
            "production runs, and with the read cache off, so that every "
            "request runs its queries.",
            "",
            *report.scaling_table(scaling),
            "",
        ]
    block += report.machine_lines(
        postgres=server.postgres_version(database_url),
        wrk=load.wrk_version(),
        load_before=load_before,
        load_after=os.getloadavg()[0],
        workers=options.workers,
        threads=options.threads,
        max_requests=options.max_requests,
    )
    block.append(f"- The whole run took {time.monotonic() - started:.0f} s.")
    return block


def _gunicorn_overrides(options):
    if options.max_requests is None:
        return None
    return {"GUNICORN_MAX_REQUESTS": str(options.max_requests)}


def _parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    server.add_shared_arguments(parser)
    parser.add_argument(
        "--scale",
        type=lambda text: [int(size) for size in text.split(",") if size],
        default=[1_000, 10_000, 100_000],
        help="Catalog sizes of the scaling rows, comma-separated; empty skips them.",
    )
    parser.add_argument("--duration", type=int, default=10, help="Seconds per row.")
    parser.add_argument("--warmup", type=int, default=2, help="Seconds before each.")
    parser.add_argument(
        "--ceiling-duration",
        type=int,
        default=5,
        help="Seconds per ceiling run (one before and after every row).",
    )
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY") or 2)
    )
    parser.add_argument(
        "--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS") or 1)
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        help="Requests before gunicorn replaces a worker (gunicorn.conf.py's "
        "default when left out).",
    )
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--work-dir", help="Where request files and the log go.")
    parser.add_argument(
        "--no-docs",
        dest="write_docs",
        action="store_false",
        help="Print the table without writing docs/benchmarks.md.",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
