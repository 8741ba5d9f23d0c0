"""
Gunicorn settings for production: the Dockerfile, render.yaml and
`make serve-prod` all start `gunicorn --config gunicorn.conf.py`.

Everything a platform may want to tune comes from the environment, so no
rebuild is needed to change it.
"""

import os
import sys


def _env_int(name, default, *, minimum):
    """
    The whole number in environment variable `name` (`default` when unset
    or empty), or gunicorn stops with one line saying what is wrong, as the
    settings' env_int does. That one cannot be imported here: importing
    the settings would run them all, and the Celery app, before gunicorn
    has read its own configuration.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        sys.exit(
            f"{name} must be a whole number of at least {minimum} (got {value!r})."
        )
    return number


wsgi_app = "ravoos_pansy.wsgi:application"

# The platform says which port to listen on (Render sets PORT).
bind = f"0.0.0.0:{_env_int('PORT', 8000, minimum=1)}"

# Sync workers, one request each at a time; WEB_CONCURRENCY is the name
# Render and Heroku use. Threads only help when requests wait on I/O.
# Chosen by measurement (`make bench`, docs/benchmarks.md): on 2 CPUs, 2
# sync workers served as much as 2 workers x 4 threads, 4 workers or 3
# workers x 2 threads, each within the run-to-run noise, and with the
# fewest processes; more workers only shared the same two CPUs. Measured
# again with cached reads: 3 or 4 workers served those no better and
# checkout slower, competing with PostgreSQL for the CPUs. Measure again
# before changing these on a bigger machine.
workers = _env_int("WEB_CONCURRENCY", 2, minimum=1)
threads = _env_int("GUNICORN_THREADS", 1, minimum=1)

# A request still running after `timeout` seconds gets its worker killed
# and replaced; on SIGTERM, requests in flight get `graceful_timeout` to end
# (Render waits 30 s before it kills the container). 0 turns the timeout off.
timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=0)
graceful_timeout = 25
keepalive = 5

# Recycle each worker now and then, so that slow leaks never grow large;
# the jitter keeps the workers from restarting all at once. Not too often:
# a new worker opens its database and Redis connections and warms its
# caches again, and under load the benchmark measured a restart every
# 1,000 requests as a p99 near one second and a third more CPU per request
# than one every 20,000 (docs/benchmarks.md).
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 20_000, minimum=0)
max_requests_jitter = max_requests // 10

# Load Django once in the master, then fork. A configuration error such as a
# missing SECRET_KEY stops the start at once with its message, rather than
# every worker failing to boot in turn, and the workers share the loaded
# code's memory. Nothing opens a database or Redis connection at import, so
# no connection is shared across the fork (Django opens one per worker, on
# its first request).
preload_app = True

# The heartbeat file on a memory file system: on a container's overlay disk
# its writes can stall a worker.
if os.path.isdir("/dev/shm"):  # noqa: S108 (a fixed system directory)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# No runtime control socket: nothing here needs one, and it would be a file
# in $HOME that two servers on one machine fight over.
control_socket_disable = True

# Gunicorn's own lines (start, worker boot, timeouts) go to stdout like the
# application's. No access log: RequestLogMiddleware already writes one line
# per request, with its request id and without the query string.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [-] %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stdout",
        },
        "discard": {"class": "logging.NullHandler"},
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {
            "level": "INFO",
            "handlers": ["stdout"],
            "propagate": False,
        },
        "gunicorn.access": {
            "level": "WARNING",
            "handlers": ["discard"],
            "propagate": False,
        },
    },
}
