"""
The production start, as the Dockerfile runs it: collectstatic at build time,
then `bin/start-web` (migrate, then gunicorn with gunicorn.conf.py), DEBUG
off, on a free local port.

The requests that need HTTPS carry `X-Forwarded-Proto: https`, as the
platform's TLS proxy adds it: the production settings stay as they are,
SECURE_SSL_REDIRECT included, and a plain-HTTP request is shown to be
redirected.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import PROJECT_DIR, free_port, run_manage

pytestmark = pytest.mark.slow

HTTPS = {"X-Forwarded-Proto": "https"}
START_TIMEOUT_SECONDS = 180


class Server:
    def __init__(self, port):
        self.port = port

    def get(self, path, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def post_chunked(self, path, body, headers=None):
        """A POST whose body is sent in chunks, without a Content-Length."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                "POST",
                path,
                body=iter([body]),
                headers={**(headers or {}), "Transfer-Encoding": "chunked"},
                encode_chunked=True,
            )
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


def wait_until_listening(process, port, log):
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited early:\n{log.read_text()}")
        try:
            Server(port).get("/api/health/")
        except OSError:
            time.sleep(0.25)
        else:
            return
    pytest.fail(f"the server did not answer in time:\n{log.read_text()}")


@pytest.fixture
def started_server(production_env, fresh_database_url, tmp_path):
    env = {**production_env, "DATABASE_URL": fresh_database_url}
    collected = run_manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr

    port = free_port()
    env["GUNICORN_CMD_ARGS"] = f"--bind 127.0.0.1:{port} --workers 2"
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [str(PROJECT_DIR / "bin" / "start-web")],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    try:
        wait_until_listening(process, port, stdout)
        yield Server(port), process, stdout, stderr
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_production_start_serves_health_admin_css_and_json_errors(
    started_server, production_env
):
    server, process, stdout, stderr = started_server
    manifest = json.loads(
        (Path(production_env["STATIC_ROOT"]) / "staticfiles.json").read_text()
    )
    base_css = manifest["paths"]["admin/css/base.css"]

    health = server.get("/api/health/")
    login_over_http = server.get("/admin/login/")
    login = server.get("/admin/login/", HTTPS)
    css = server.get(f"/static/{base_css}", HTTPS)
    unknown = server.get("/api/no-such-thing/", HTTPS)

    assert health[0] == 200
    assert json.loads(health[2]) == {"status": "ok", "database": "ok"}
    assert login_over_http[0] == 301
    assert login_over_http[1]["Location"] == (
        f"https://127.0.0.1:{server.port}/admin/login/"
    )
    assert login[0] == 200
    assert f'href="/static/{base_css}"' in login[2].decode()
    assert re.fullmatch(r"admin/css/base\.[0-9a-f]{12}\.css", base_css)
    assert css[0] == 200
    assert css[1]["Content-Type"].startswith("text/css")
    assert "immutable" in css[1]["Cache-Control"]
    assert unknown[0] == 404
    assert unknown[1]["Content-Type"] == "application/json"
    assert json.loads(unknown[2])["errors"][0]["code"] == "not_found"

    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    logged = stdout.read_text()
    assert f"Listening at: http://127.0.0.1:{server.port}" in logged
    assert "ravoos_pansy.middleware GET /api/health/ 200 " in logged
    assert "ravoos_pansy.middleware GET /admin/login/ 200 " in logged
    assert stderr.read_text() == ""


def test_a_body_sent_in_chunks_is_never_read(started_server):
    # Django reads exactly Content-Length bytes of a body, and a chunked
    # request has none: its body counts as empty, whatever its size, so the
    # size limit has nothing to count.
    server, *_ = started_server
    credentials = {"email": "someone@example.com", "password": "whatever-it-is"}

    status, _, body = server.post_chunked(
        "/api/auth/login/",
        json.dumps(credentials).encode(),
        {**HTTPS, "Content-Type": "application/json"},
    )

    assert status == 400
    assert [error["attr"] for error in json.loads(body)["errors"]] == [
        "email",
        "password",
    ]
