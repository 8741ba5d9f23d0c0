"""
Tests that need a service besides the database: Redis, or Debian's
Chromium for the browser tests.

On a developer's machine without one, those tests are skipped and say
what they need. CI sets REQUIRE_TEST_SERVICES, which turns a missing
service into a failure, so that a run never passes by skipping them.
"""

import os
from pathlib import Path

import pytest
import redis

CHROMIUM = Path("/usr/bin/chromium")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def require(available, what):
    """Skips the test, or fails it in CI, unless `what` is `available`."""
    if available:
        return
    if os.environ.get("REQUIRE_TEST_SERVICES"):
        pytest.fail(f"{what} is missing, and REQUIRE_TEST_SERVICES is set")
    pytest.skip(f"needs {what}")


def require_redis(url):
    """Skips (or, in CI, fails) the test unless Redis answers at `url`."""
    server = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        require(False, f"Redis at {url}")
    finally:
        server.close()


def require_chromium():
    require(CHROMIUM.exists(), f"{CHROMIUM} (apt-get install -y chromium)")
