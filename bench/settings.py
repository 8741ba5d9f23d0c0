"""
The production settings plus the benchmark's ceiling route.

Everything else (DEBUG off, the secret, hosts, throttle rates, database,
Redis) is read from the environment exactly as in production; `bench.run`
sets those variables when it starts the server.
"""

from ravoos_pansy.settings import *

ROOT_URLCONF = "bench.urls"

# The counters of a benchmark run never share keys with a development
# server that may use the same Redis.
if "KEY_PREFIX" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = "ravoos-bench"
