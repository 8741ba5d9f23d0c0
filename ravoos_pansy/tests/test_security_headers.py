"""
What a browser is told when DEBUG is off: HSTS, no sniffing, no framing,
cookies only over HTTPS, and CORS for the configured origins alone. The
production settings run in a subprocess (the test settings keep DEBUG's
defaults), against a freshly migrated database.
"""

import json

import pytest

from .conftest import run_manage

pytestmark = pytest.mark.slow

HEADERS_PROBE = """
import json

import django

django.setup()

from django.conf import settings
from django.test import Client, override_settings

client = Client(SERVER_NAME="127.0.0.1")
api = client.get("/api/no-such-thing/", secure=True)
# The admin page links static files, whose manifest only collectstatic makes.
unhashed = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": unhashed}):
    admin = client.get("/admin/login/", secure=True)
listed, unlisted = (
    client.options(
        "/api/products/",
        secure=True,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    for origin in ("https://shop.ravoos.example", "https://elsewhere.example")
)
def headers(response):
    return {name.lower(): value for name, value in response.headers.items()}


print(json.dumps({
    "api": headers(api),
    "api_status": api.status_code,
    "csrf_cookie_secure": admin.cookies["csrftoken"]["secure"],
    "listed": headers(listed),
    "unlisted": headers(unlisted),
}))
"""


def test_with_debug_off_responses_protect_the_browser_and_cors_admits_only_listed(
    production_env,
):
    migrated = run_manage("migrate", "--noinput", env=production_env)
    assert migrated.returncode == 0, migrated.stderr

    result = run_manage("shell", "-c", HEADERS_PROBE, env=production_env)

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    api, listed, unlisted = answers["api"], answers["listed"], answers["unlisted"]
    assert answers["api_status"] == 404
    assert api["content-type"] == "application/json"
    assert api["strict-transport-security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert api["x-content-type-options"] == "nosniff"
    assert api["x-frame-options"] == "DENY"
    assert api["referrer-policy"] == "same-origin"
    assert len(api["x-request-id"]) == 32
    assert answers["csrf_cookie_secure"] is True
    assert listed["access-control-allow-origin"] == "https://shop.ravoos.example"
    assert "authorization" in listed["access-control-allow-headers"]
    assert "access-control-allow-origin" not in unlisted
    assert "access-control-allow-headers" not in unlisted
