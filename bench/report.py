"""The results table, printed and written into docs/benchmarks.md."""

import os
import platform
import re
from importlib.metadata import version
from pathlib import Path

START_MARK = "<!-- bench:latest:start -->"
END_MARK = "<!-- bench:latest:end -->"


def machine_lines(
    *, postgres, wrk, load_before, load_after, workers, threads, max_requests
):
    return [
        f"- Machine: {os.cpu_count()} CPUs ({_cpu_model()}), {_memory_gib()} GiB "
        f"RAM; load average {load_before:.2f} before the run, "
        f"{load_after:.2f} after.",
        f"- Versions: Python {platform.python_version()}, Django "
        f"{version('django')}, DRF {version('djangorestframework')}, "
        f"PostgreSQL {postgres}, gunicorn {version('gunicorn')}, wrk {wrk}.",
        f"- Server: gunicorn.conf.py with {workers} workers x {threads} "
        f"thread(s), max_requests {max_requests or 'as configured'}, DEBUG "
        "off, Redis cache, bound to 127.0.0.1.",
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


def results_table(*, ceilings, rows):
    """
    A Markdown table: the ceiling's runs in one line (their means), then
    one line per (endpoint, result, the two ceiling results around it).
    """
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | errors | ratio | target | "
        "| server CPU ms/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
        _line(
            f"ceiling (constant JSON), mean of {len(ceilings)} runs",
            per_second=_mean(result.per_second for result in ceilings),
            p50_ms=_mean(result.p50_ms for result in ceilings),
            p99_ms=_mean(result.p99_ms for result in ceilings),
            errors=sum(result.errors for result in ceilings),
            ratio=1.0,
            target="",
            verdict="",
            cpu=_mean(result.cpu_ms or 0 for result in ceilings),
        ),
    ]
    for endpoint, result, around in rows:
        ceiling = _mean(run.per_second for run in around)
        ratio = result.per_second / ceiling if ceiling else 0.0
        if endpoint.target is None:
            target, verdict = "", ""
        else:
            target = f"{endpoint.target:.2f}"
            met = ratio >= endpoint.target and not result.errors
            verdict = "met" if met else "MISSED"
        if result.exhausted:
            verdict += " (ran out of lines)"
        lines.append(
            _line(
                endpoint.label,
                per_second=result.per_second,
                p50_ms=result.p50_ms,
                p99_ms=result.p99_ms,
                errors=result.errors,
                ratio=ratio,
                target=target,
                verdict=verdict,
                cpu=result.cpu_ms,
            )
        )
    return lines


def _line(label, *, per_second, p50_ms, p99_ms, errors, ratio, target, verdict, cpu):
    cpu_text = "" if cpu is None else f"{cpu:.2f}"
    return (
        f"| {label} | {per_second:,.0f} | {p50_ms:.1f} | {p99_ms:.1f} | "
        f"{errors} | {ratio:.2f} | {target} | {verdict} | {cpu_text} |"
    )


def _mean(values):
    values = list(values)
    return sum(values) / len(values) if values else 0.0


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
