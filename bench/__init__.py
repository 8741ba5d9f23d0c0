"""
The load benchmark: `make bench` (see docs/benchmarks.md).

Not part of the application: nothing under `ravoos_pansy` imports it, and
the ceiling route lives only in `bench.urls`.
"""
