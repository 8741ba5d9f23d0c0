"""Driving the server with wrk, a process of its own, on loopback."""

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "replay.lua"
RESULT_PREFIX = "BENCH-RESULT "


@dataclass(frozen=True)
class Endpoint:
    """One row of the benchmark: what is sent, and the ratio it should reach."""

    key: str
    label: str
    target: float | None = None
    # "cycle" replays the file round and round; "once" sends each line once.
    mode: str = "cycle"


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    exhausted: bool
    # Server CPU time per request, in milliseconds (None when not measured).
    cpu_ms: float | None = None

    @property
    def per_second(self):
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path():
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    return path


def wrk_version():
    completed = subprocess.run(
        [wrk_path(), "--version"], capture_output=True, text=True, check=False
    )
    return completed.stdout.split()[1] if completed.stdout else "unknown"


def check_first_request(base_url, requests_file):
    """
    Sends the file's first request once and fails loudly unless it is a
    2xx: a run of errors measures nothing.
    """
    method, path, token, body = requests_file.read_text().splitlines()[0].split("\t")
    request = urllib.request.Request(  # noqa: S310 - loopback URL built here
        base_url + path,
        method=method,
        data=body.encode() if body else None,
        headers={"Content-Type": "application/json"} if body else {},
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        raise RuntimeError(
            f"{method} {path} answered {error.code}: {error.read()[:500]!r}"
        ) from None


def run_wrk(*, base_url, requests_file, mode, seconds, threads, connections):
    """One wrk run; its summary as a `Result`."""
    completed = subprocess.run(
        [
            wrk_path(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            base_url,
            "--",
            str(requests_file),
            mode,
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 60,
    )
    if completed.returncode:
        raise RuntimeError(f"wrk failed: {completed.stderr or completed.stdout}")
    return parse_wrk_output(completed.stdout)


def parse_wrk_output(output):
    """The `Result` that replay.lua's `done()` printed among wrk's lines."""
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            raw = json.loads(line.removeprefix(RESULT_PREFIX))
            return Result(
                requests=raw["requests"],
                seconds=raw["duration_us"] / 1_000_000,
                p50_ms=raw["p50_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
                errors=raw["status_errors"] + raw["socket_errors"],
                exhausted=bool(raw["exhausted"]),
            )
    raise RuntimeError(f"wrk printed no result line:\n{output}")
