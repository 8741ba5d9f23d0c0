"""
The databases and the production server a benchmark run drives, and the
options and output that `bench.run` and `bench.costs` share.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# High enough that no client of a run is ever refused: the throttles still
# run, and their cost is part of every measured row but the ceiling's.
THROTTLE_RATES = {
    "THROTTLE_ANON": "1000000/min",
    "THROTTLE_USER": "1000000/min",
    "THROTTLE_CHECKOUT": "1000000/min",
}


def add_shared_arguments(parser):
    """The options of the data a run prepares and of the routes it measures."""
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument(
        "--only", nargs="*", help="Measure only these endpoint keys (and the ceiling)."
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="Keep the database and request files of --work-dir from an earlier run.",
    )


def say(text):
    """Prints a line at once, so that a long run shows how far it has got."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def server_environment(*, database_url, redis_url, workers, threads, extra=None):
    """
    The environment of a production start (DEBUG off, a secret, one host),
    pointed at the benchmark's database and Redis.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "THROTTLE_"))
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: no TLS proxy in front to redirect to.
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            # Order mail goes onto the queue, as in production; no worker
            # takes it during a run and the queue is flushed afterwards.
            "CELERY_BROKER_URL": redis_url,
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            # wrk names a client per request in X-Forwarded-For.
            "NUM_PROXIES": "1",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            **THROTTLE_RATES,
            **(extra or {}),
        }
    )
    environment.pop("PORT", None)
    return environment


def recreate_database(database_url):
    """Drops and creates the database that `database_url` names."""
    server_url, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url):
    server_url, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version(database_url):
    with psycopg.connect(database_url) as connection:
        return connection.execute("SHOW server_version").fetchone()[0].split()[0]


def flush_redis(redis_url):
    """Empties the benchmark's Redis database: counters, queued mail."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def postgres_cpu_seconds(proc=Path("/proc")):
    """
    CPU time used so far by the PostgreSQL servers on this machine: each
    postgres process's own, and that of the backends which have exited
    (the postmaster has reaped them). None when none runs here, as when
    the database is on another host.
    """
    ticks = None
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            # The process exited between the listing and the read.
            continue
        name, fields = _parse_stat(text)
        if name != "postgres":
            continue
        # utime, stime, cutime, cstime
        ticks = (ticks or 0) + sum(int(field) for field in fields[11:15])
    return None if ticks is None else ticks / os.sysconf("SC_CLK_TCK")


def redis_cpu_seconds(redis_url):
    """CPU time used so far by the Redis server, as it reports it."""
    client = redis.Redis.from_url(redis_url)
    try:
        cpu = client.info("cpu")
    finally:
        client.close()
    return cpu["used_cpu_sys"] + cpu["used_cpu_user"]


def manage(*args, environment):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, check=True
    )


def prepare_database(database_url, *, products, out, environment):
    """
    A new database at `database_url`, migrated and filled with the run's
    data, and the request files written to `out`.
    """
    say(f"Preparing {database_url} with {products:,} products")
    recreate_database(database_url)
    manage("migrate", "--noinput", "-v0", environment=environment)
    prepare_dataset(products=products, out=out, environment=environment)


def prepare_dataset(*, products, out, environment, catalog_only=False):
    command = [
        sys.executable,
        "-m",
        "bench.dataset",
        "--products",
        str(products),
        "--out",
        str(out),
    ]
    if catalog_only:
        command.append("--catalog-only")
    # A line per order placed would bury the run's own output.
    environment = {**environment, "LOG_LEVEL": "WARNING"}
    subprocess.run(command, cwd=ROOT, env=environment, check=True)


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    pid: int

    def cpu_seconds(self):
        """
        CPU time used so far by gunicorn: the master, its live workers and
        the workers it has already replaced (max_requests). Unlike requests
        per second, it hardly moves when other programs share the CPUs.
        """
        master = _stat_fields(self.pid)
        # utime, stime, and the same for children that have been reaped.
        ticks = sum(int(field) for field in master[11:15])
        for child in _children(self.pid):
            try:
                ticks += sum(int(field) for field in _stat_fields(child)[11:13])
            except FileNotFoundError:
                continue
        return ticks / os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name."""
    return _parse_stat(Path(f"/proc/{pid}/stat").read_text())[1]


def _parse_stat(text):
    """
    The command name of a /proc/PID/stat line and the fields after it. The
    name is in parentheses and may hold spaces or parentheses itself.
    """
    name = text[text.index("(") + 1 : text.rindex(")")]
    return name, text[text.rindex(")") + 2 :].split()


def _children(pid):
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += Path(task, "children").read_text().split()
    return [int(child) for child in children]


@contextmanager
def running_server(*, port, environment, log_path):
    """
    gunicorn with the project's gunicorn.conf.py, bound to loopback only,
    until the block ends; yields a `RunningServer` once health answers.
    """
    if _is_listening(port):
        raise RuntimeError(f"Port {port} is taken; pick another with --port.")
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(base_url, process=process, log_path=log_path)
            yield RunningServer(base_url=base_url, pid=process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _is_listening(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _wait_for_health(base_url, *, process, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start; see {log_path}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/health/", timeout=2):  # noqa: S310
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {timeout}s; see {log_path}")
