"""
Fixtures for the browser tests: Debian's Chromium driven by Playwright
against pytest-django's live server.

Playwright's own browser download is not used; the tests need the system
Chromium at /usr/bin/chromium (`apt-get install -y chromium`).
"""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from ..backing_services import CHROMIUM, require_chromium

# Without the background-networking flags Chromium tries to reach Google's
# services at start-up, which fails (and waits) on a machine without the
# internet. Playwright gives every launch a fresh temporary profile, so no
# state leaks from one run into the next.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SCREENSHOT_DIR = settings.BASE_DIR / "docs" / "img"

# Generous waits: the machines that run the suite are shared and slow at
# times. Every wait ends as soon as its condition holds.
TIMEOUT_MS = 15_000

# A storefront stand-in: a page on another origin that calls the API with
# fetch() and reports what the browser let it see.
CORS_PAGE = b"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Storefront</title></head>
<body>
<pre id="result">idle</pre>
<script>
async function callApi(url, token, options = {}) {
  const headers = {...(options.headers || {})};
  if (token) headers.Authorization = "Token " + token;
  const request = {method: options.method || "GET", headers};
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    request.body = JSON.stringify(options.body);
  }
  let outcome;
  try {
    const response = await fetch(url, request);
    const shown = {};
    for (const name of options.read || []) shown[name] = response.headers.get(name);
    outcome = {status: response.status, body: await response.json(), headers: shown};
  } catch (error) {
    outcome = {error: error.name, message: error.message};
  }
  document.getElementById("result").textContent = JSON.stringify(outcome);
  return outcome;
}
</script>
</body>
</html>
"""


@pytest.fixture(scope="package", autouse=True)
def _orm_allowed_beside_playwright():
    # Playwright's sync API keeps an asyncio event loop running in the test
    # thread, and Django refuses ORM calls from a thread with a running loop
    # (SynchronousOnlyOperation). No coroutine ever touches the ORM here, so
    # the check is lifted for this package only and restored after it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_orm_allowed_beside_playwright):
    require_chromium()
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh browser context (no cookies) aimed at the server."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def save_screenshot():
    """Saves the page as docs/img/<name>.png, the pictures the README shows."""

    def save(page, name):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=path, full_page=False)
        return path

    return save


class _StorefrontPage(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(CORS_PAGE)))
        self.end_headers()
        self.wfile.write(CORS_PAGE)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="package")
def storefront_port():
    """The port of a second local server that serves the storefront page."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StorefrontPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
