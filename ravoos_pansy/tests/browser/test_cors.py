import json

import pytest
from knox.models import AuthToken

from accounts.tests.factories import AddressFactory
from cart.models import CartItem
from catalog.tests.factories import ProductFactory
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def storefront_origin(storefront_port):
    return f"http://127.0.0.1:{storefront_port}"


@pytest.fixture
def allowed_storefront(settings, storefront_origin):
    # corsheaders reads the setting on every request, so the live server
    # (a thread of this process) sees the change at once.
    settings.CORS_ALLOWED_ORIGINS = [storefront_origin]
    return storefront_origin


@pytest.fixture
def chair(db):
    return ProductFactory(name="Teak Chair", price="100.00", stock=5)


@pytest.fixture
def cart_token(user, chair):
    CartItem.objects.create(user=user, product=chair, quantity=2)
    _, key = AuthToken.objects.create(user)
    return key


def call_api(page, url, token=None, **options):
    """
    Runs the storefront page's fetch() and reads what it showed. `options`
    may give a `method`, a JSON `body`, request `headers` and the names of
    response headers to `read`.
    """
    page.evaluate(
        "([url, token, options]) => callApi(url, token, options)",
        [url, token, options],
    )
    return json.loads(page.locator("#result").inner_text())


def test_listed_origin_reads_the_product_list_in_the_browser(
    page, live_server, allowed_storefront, chair
):
    page.goto(allowed_storefront)

    outcome = call_api(page, f"{live_server.url}/api/products/")

    assert outcome["status"] == 200
    assert [product["name"] for product in outcome["body"]["results"]] == ["Teak Chair"]


def test_listed_origin_reads_the_cart_with_a_token_header_in_the_browser(
    page, live_server, allowed_storefront, cart_token, chair
):
    page.goto(allowed_storefront)

    outcome = call_api(page, f"{live_server.url}/api/cart/", cart_token)

    assert outcome["status"] == 200
    body = outcome["body"]
    assert [(item["product"]["id"], item["quantity"]) for item in body["items"]] == [
        (chair.pk, 2)
    ]
    assert (body["subtotal"], body["gst"], body["total"]) == (
        "200.00",
        "10.00",
        "210.00",
    )


def test_listed_origin_retries_a_keyed_checkout_and_reads_the_replay_header(
    page, live_server, allowed_storefront, user, cart_token, chair
):
    address = AddressFactory(user=user, is_default=True)
    page.goto(allowed_storefront)
    checkout = {
        "method": "POST",
        "body": {"address_id": address.pk},
        "headers": {"Idempotency-Key": "storefront-retry-1"},
        "read": ["Idempotent-Replayed", "X-Request-ID"],
    }
    url = f"{live_server.url}/api/orders/checkout/"

    first = call_api(page, url, cart_token, **checkout)
    retry = call_api(page, url, cart_token, **checkout)

    assert first["status"] == 201
    assert first["headers"]["Idempotent-Replayed"] is None
    assert first["headers"]["X-Request-ID"]
    assert retry["status"] == 201
    assert retry["headers"]["Idempotent-Replayed"] == "true"
    assert retry["body"]["id"] == first["body"]["id"]
    assert Order.objects.filter(user=user).count() == 1


def cors_refusal(url):
    """Matches Chromium's console report of a response it withheld."""
    return lambda message: (
        message.type == "error"
        and f"Access to fetch at '{url}'" in message.text
        and "has been blocked by CORS policy" in message.text
    )


def test_unlisted_origin_is_blocked_by_the_browser(
    page, live_server, allowed_storefront, storefront_port, cart_token, chair
):
    # The same page under another host name is another origin: only
    # http://127.0.0.1:<port> is listed, not http://localhost:<port>.
    page.goto(f"http://localhost:{storefront_port}")
    products_url = f"{live_server.url}/api/products/"
    cart_url = f"{live_server.url}/api/cart/"

    with page.expect_console_message(cors_refusal(products_url)):
        products = call_api(page, products_url)
    with page.expect_console_message(cors_refusal(cart_url)):
        cart = call_api(page, cart_url, cart_token)

    assert products == {"error": "TypeError", "message": "Failed to fetch"}
    assert cart == {"error": "TypeError", "message": "Failed to fetch"}
