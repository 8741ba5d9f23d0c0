"""The results table, printed and written into docs/benchmarks.md."""

import os
import platform
import re
from importlib.metadata import version
from pathlib import Path

START_MARK = "<!-- bench:latest:start -->"
END_MARK = "<!-- bench:latest:end -->"


def machine_lines(*, postgres, wrk, load_before, load_after, workers, threads):
    return [
        f"- Machine: {os.cpu_count()} CPUs ({_cpu_model()}), {_memory_gib()} GiB "
        f"RAM; load average {load_before:.2f} before the run, "
        f"{load_after:.2f} after.",
        f"- Versions: Python {platform.python_version()}, Django "
        f"{version('django')}, DRF {version('djangorestframework')}, "
        f"PostgreSQL {postgres}, gunicorn {version('gunicorn')}, wrk {wrk}.",
        f"- Server: gunicorn.conf.py with {workers} sync workers x {threads} "
        "thread(s), DEBUG off, Redis cache, bound to 127.0.0.1.",
    ]


def _cpu_model():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else "unknown CPU"


def _memory_gib():
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return "?"
    match = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return round(int(match.group(1)) / 1024 / 1024) if match else "?"


def results_table(rows, *, ceiling):
    """
    A Markdown table: one line per (endpoint, result), ratios to `ceiling`
    (requests per second).
    """
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | errors | ratio | target | "
        "| server CPU ms/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for endpoint, result in rows:
        ratio = result.per_second / ceiling if ceiling else 0.0
        if endpoint.target is None:
            target, verdict = "", ""
        else:
            target = f"{endpoint.target:.2f}"
            verdict = (
                "met" if ratio >= endpoint.target and not result.errors else "MISSED"
            )
        if result.exhausted:
            verdict += " (ran out of lines)"
        lines.append(
            f"| {endpoint.label} | {result.per_second:,.0f} | {result.p50_ms:.1f} | "
            f"{result.p99_ms:.1f} | {result.errors} | {ratio:.2f} | {target} | "
            f"{verdict} | {_cpu(result)} |"
        )
    return lines


def _cpu(result):
    return "" if result.cpu_ms is None else f"{result.cpu_ms:.2f}"


def scaling_table(points):
    """
    `points`: {label: {products: Result}}. p50 and req/s at each catalog
    size, and how the p50 at the largest compares with the smallest.
    """
    sizes = sorted({size for by_size in points.values() for size in by_size})
    header = " | ".join(f"{size:,} products" for size in sizes)
    lines = [
        f"| endpoint | {header} | p50 {sizes[-1]:,} / {sizes[0]:,} | target |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: | --- |",
    ]
    for label, by_size in points.items():
        cells = " | ".join(
            f"p50 {by_size[size].p50_ms:.1f} ms, {by_size[size].per_second:,.0f}/s, "
            f"CPU {_cpu(by_size[size])} ms"
            if size in by_size
            else ""
            for size in sizes
        )
        first, last = by_size.get(sizes[0]), by_size.get(sizes[-1])
        growth = last.p50_ms / first.p50_ms if first and last and first.p50_ms else 0
        verdict = "met" if growth and growth <= 2 else "MISSED"
        lines.append(f"| {label} | {cells} | {growth:.2f}x | 2x: {verdict} |")
    return lines


def write_docs(path, block):
    """Replaces the text between the two marks of `path` with `block`."""
    text = path.read_text()
    start, end = text.index(START_MARK), text.index(END_MARK)
    path.write_text(
        text[: start + len(START_MARK)] + "\n" + "\n".join(block) + "\n" + text[end:]
    )
