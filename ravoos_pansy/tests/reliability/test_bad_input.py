"""
The classic bad inputs, sent to every route that reads a body, and to the
query strings, path ids and headers the API reads.

Bodies: a list or a scalar instead of an object, broken JSON, bytes that
are not UTF-8, the wrong content type, and then, field by field, strings of
10,000 characters, nulls, objects, NUL and other control characters, lone
surrogates (which JSON can escape but UTF-8 cannot hold), emoji and
right-to-left text, negative, huge and infinite numbers (`1e309` as the
JSON text itself). Each must be answered with a 4xx in the error shape and
change nothing. Text that is merely unusual (emoji, right-to-left, control
characters other than NUL) may also be accepted; a few fields rightly take
more (written in `accepts`). Never a 5xx.

Each case runs inside a savepoint that is rolled back afterwards, so every
case meets the same shop and an accepted one cannot starve the next.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import DEFAULT_PASSWORD

from .conftest import changed_tables, is_error_shape, snapshot

LONG = "x" * 10_000
NEW_PASSWORD = "a-new-and-longer-passphrase-7"


class Raw:
    """A JSON token written as is, for numbers json.dumps cannot make."""

    def __init__(self, text):
        self.text = text


def to_json(body):
    raws = []

    def default(value):
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"__raw_{len(raws) - 1}__"
        raise TypeError(value)

    text = json.dumps(body, default=default)
    for index, raw in enumerate(raws):
        text = text.replace(f'"__raw_{index}__"', raw)
    return text


# What each kind of field is sent instead of its good value. The first
# group must always be refused; "unusual" text may also be accepted.
TEXT_VARIANTS = {
    "long": lambda good: LONG,
    "null": lambda good: None,
    "object": lambda good: {"value": good},
    "list": lambda good: [good],
    "nul": lambda good: f"{good}\x00",
    "only-nul": lambda good: "\x00",
    # JSON may escape a lone surrogate, but no UTF-8 text (so no database
    # column) can hold one: refused, never merely unusual.
    "surrogate": lambda good: f"{good}\ud800",
    "only-surrogate": lambda good: "\ud800",
}
UNUSUAL_TEXT = {
    "control": lambda good: f"{good}\x01\x1b[31m\x7f",
    "emoji": lambda good: f"{good}🛒🌸",
    "rtl": lambda good: f"\u202e{good}\u202c مرحبا",
}
NUMBER_VARIANTS = {
    "null": lambda good: None,
    "negative": lambda good: -1,
    "huge": lambda good: 10**20,
    "infinite": lambda good: Raw("1e309"),
    "infinite-text": lambda good: "1e309",
    "nan-text": lambda good: "NaN",
    "word": lambda good: "many",
    "object": lambda good: {"value": good},
    "nul": lambda good: f"{good}\x00",
    "surrogate": lambda good: f"{good}\ud800",
}
# Ids and counts are whole numbers; amounts have two decimal places.
INTEGER_VARIANTS = {**NUMBER_VARIANTS, "fraction": lambda good: 1.5}
AMOUNT_VARIANTS = {**NUMBER_VARIANTS, "sub-cent": lambda good: "0.001"}
FLAG_VARIANTS = {
    "null": lambda good: None,
    "word": lambda good: "perhaps",
    "object": lambda good: {"value": good},
}


def variants_for(good):
    if isinstance(good, bool):
        return FLAG_VARIANTS, {}
    if isinstance(good, int):
        return INTEGER_VARIANTS, {}
    if isinstance(good, str) and good.replace(".", "", 1).isdigit():
        return AMOUNT_VARIANTS, {}
    return TEXT_VARIANTS, UNUSUAL_TEXT


@dataclass(frozen=True)
class WriteRoute:
    role: str
    method: str
    path: Any  # shop -> path
    body: Any  # shop -> a good body
    # Field -> variants the route may rightly accept.
    accepts: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    # Tables a refusal may rightly write to.
    keeps_refusals_in: tuple = ()


def address_body(shop):
    return {
        "full_name": "Asha Rao",
        "phone": "+91 98000 00000",
        "street": "12 Lake Road",
        "city": "Pune",
        "state": "Maharashtra",
        "pincode": "411001",
        "landmark": "Near the lake",
        "is_default": True,
    }


def product_body(shop):
    return {
        "name": "Clay pot",
        "slug": "clay-pot",
        "description": "Hand thrown.",
        "price": "12.50",
        "stock": 3,
        "category": shop.category.pk,
        "is_active": True,
    }


def category_body(shop):
    return {
        "name": "Bowls",
        "slug": "bowls",
        "theme": "green",
        "is_active": True,
        "parent": shop.category.pk,
    }


def coupon_body(shop):
    return {
        "code": "WELCOME",
        "kind": "percent",
        "value": "10.00",
        "min_subtotal": "100.00",
        "max_discount": "25.00",
        "valid_from": "2024-01-01T00:00:00Z",
        "valid_to": "2030-01-01T00:00:00Z",
        "is_active": True,
        "usage_limit": 100,
        "per_user_limit": 1,
    }


# Optional fields that take null as "none".
NULLABLE_COUPON_FIELDS = {
    name: {"null"}
    for name in ("max_discount", "valid_to", "usage_limit", "per_user_limit")
}

WRITE_ROUTES = {
    "signup": WriteRoute(
        "guest",
        "POST",
        lambda s: "/api/auth/signup/",
        lambda s: {"email": "new@example.com", "name": "New", "password": NEW_PASSWORD},
    ),
    "login": WriteRoute(
        "guest",
        "POST",
        lambda s: "/api/auth/login/",
        lambda s: {"email": s.user.email, "password": DEFAULT_PASSWORD},
    ),
    "password reset": WriteRoute(
        "guest",
        "POST",
        lambda s: "/api/auth/password/reset/",
        lambda s: {"email": s.user.email},
    ),
    "password reset confirm": WriteRoute(
        "guest",
        "POST",
        lambda s: "/api/auth/password/reset/confirm/",
        lambda s: {**s.reset_link("user"), "new_password": NEW_PASSWORD},
    ),
    "me": WriteRoute(
        "user", "PATCH", lambda s: "/api/auth/me/", lambda s: {"name": "Renamed"}
    ),
    "password change": WriteRoute(
        "user",
        "POST",
        lambda s: "/api/auth/password/",
        lambda s: {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    ),
    "address add": WriteRoute(
        "user", "POST", lambda s: "/api/auth/addresses/", address_body
    ),
    "address replace": WriteRoute(
        "user",
        "PUT",
        lambda s: f"/api/auth/addresses/{s.address.pk}/",
        address_body,
        # Leaving the default on is the same as not asking.
        accepts={"is_default": {"null"}},
    ),
    "address edit": WriteRoute(
        "user",
        "PATCH",
        lambda s: f"/api/auth/addresses/{s.address.pk}/",
        address_body,
        accepts={"is_default": {"null"}},
    ),
    "cart add": WriteRoute(
        "user",
        "POST",
        lambda s: "/api/cart/add/",
        lambda s: {"product_id": s.spare_product.pk, "quantity": 2},
    ),
    "cart update": WriteRoute(
        "user",
        "PUT",
        lambda s: "/api/cart/update/",
        lambda s: {"item_id": s.cart_item.pk, "quantity": 3},
        # 0 or less removes the line.
        accepts={"quantity": {"negative"}},
    ),
    "coupon validate": WriteRoute(
        "user",
        "POST",
        lambda s: "/api/coupons/validate/",
        lambda s: {"code": s.coupon.code},
    ),
    "checkout": WriteRoute(
        "user",
        "POST",
        lambda s: "/api/orders/checkout/",
        lambda s: {"address_id": s.address.pk, "coupon": s.coupon.code},
        # No coupon is a plain checkout.
        accepts={"coupon": {"null"}},
        headers={"HTTP_IDEMPOTENCY_KEY": "bad-input-checkout"},
        # A keyed checkout stores its answer, a refused coupon's included,
        # so that a retry gets the same answer (orders.idempotency).
        keeps_refusals_in=("orders.IdempotencyKey",),
    ),
    "order status": WriteRoute(
        "staff",
        "PATCH",
        lambda s: f"/api/orders/{s.order.pk}/status/",
        lambda s: {"status": "packing"},
    ),
    "product add": WriteRoute(
        "staff",
        "POST",
        lambda s: "/api/admin/products/",
        product_body,
        # A description has no length limit of its own (the body's applies).
        accepts={"description": {"long"}},
    ),
    "product replace": WriteRoute(
        "staff",
        "PUT",
        lambda s: f"/api/admin/products/{s.product.pk}/",
        product_body,
        accepts={"description": {"long"}},
    ),
    "product edit": WriteRoute(
        "staff",
        "PATCH",
        lambda s: f"/api/admin/products/{s.product.pk}/",
        product_body,
        accepts={"description": {"long"}},
    ),
    "category add": WriteRoute(
        "staff",
        "POST",
        lambda s: "/api/admin/categories/",
        category_body,
        # null parent: a top-level category.
        accepts={"parent": {"null"}},
    ),
    "category replace": WriteRoute(
        "staff",
        "PUT",
        lambda s: f"/api/admin/categories/{s.spare_category.pk}/",
        category_body,
        accepts={"parent": {"null"}},
    ),
    "category edit": WriteRoute(
        "staff",
        "PATCH",
        lambda s: f"/api/admin/categories/{s.spare_category.pk}/",
        category_body,
        accepts={"parent": {"null"}},
    ),
    "coupon add": WriteRoute(
        "staff",
        "POST",
        lambda s: "/api/admin/coupons/",
        coupon_body,
        accepts=NULLABLE_COUPON_FIELDS,
    ),
    "coupon replace": WriteRoute(
        "staff",
        "PUT",
        lambda s: f"/api/admin/coupons/{s.coupon.pk}/",
        coupon_body,
        accepts=NULLABLE_COUPON_FIELDS,
    ),
    "coupon edit": WriteRoute(
        "staff",
        "PATCH",
        lambda s: f"/api/admin/coupons/{s.coupon.pk}/",
        coupon_body,
        accepts=NULLABLE_COUPON_FIELDS,
    ),
}

# (case name, raw body, content type): the body as a whole is wrong.
WHOLE_BODY_CASES = (
    ("empty list", "[]", "application/json"),
    ("list of the good body", None, "application/json"),
    ("string", '"hello"', "application/json"),
    ("number", "42", "application/json"),
    ("null", "null", "application/json"),
    ("broken json", '{"name": ', "application/json"),
    ("trailing garbage", '{"a": 1} x', "application/json"),
    ("not utf-8", b"\xff\xfe{\x00", "application/json"),
    ("bare NaN", '{"a": NaN}', "application/json"),
    ("plain text", None, "text/plain"),
    ("xml", "<order><id>1</id></order>", "application/xml"),
    ("unknown type", None, "application/x-unknown"),
)


@dataclass
class Case:
    name: str
    body: Any  # bytes or str
    content_type: str = "application/json"
    may_accept: bool = False


def cases_for(route, shop):
    good = route.body(shop)
    for name, raw, content_type in WHOLE_BODY_CASES:
        if raw is None:
            raw = json.dumps([good] if content_type == "application/json" else good)
        yield Case(name, raw, content_type)
    if (all_long := _all_text_long(good)) != good:
        yield Case("every text field long", to_json(all_long))
    for name, value in good.items():
        refused, unusual = variants_for(value)
        accepted = route.accepts.get(name, set())
        for variant, make in refused.items():
            yield Case(
                f"{name}: {variant}",
                to_json({**good, name: make(value)}),
                may_accept=variant in accepted,
            )
        for variant, make in unusual.items():
            yield Case(
                f"{name}: {variant}",
                to_json({**good, name: make(value)}),
                may_accept=True,
            )


def _all_text_long(good):
    return {
        name: LONG if variants_for(value)[0] is TEXT_VARIANTS else value
        for name, value in good.items()
    }


def try_case(client, route, path, case, before):
    """Sends one case in a savepoint, rolled back after; the problem, if any."""
    savepoint = transaction.savepoint_create()
    try:
        response = client.generic(
            route.method,
            path,
            case.body,
            content_type=case.content_type,
            **route.headers,
        )
        status = response.status_code
        if status >= 500:
            return f"{case.name}: {status} {response.content[:300]!r}"
        if status < 400:
            return None if case.may_accept else f"{case.name}: accepted ({status})"
        if not is_error_shape(response.json()):
            return f"{case.name}: not the error shape: {response.content[:300]!r}"
        changed = set(changed_tables(before, snapshot()))
        if changed - set(route.keeps_refusals_in):
            return f"{case.name}: refused, yet changed {sorted(changed)}"
        return None
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.fixture
def quiet_clients(shop):
    """The shop's clients, answering a 500 instead of raising."""
    for client in shop.clients.values():
        client.raise_request_exception = False
    return shop


@pytest.mark.parametrize("route_name", sorted(WRITE_ROUTES))
def test_bad_bodies_get_a_4xx_in_the_error_shape_and_change_nothing(
    quiet_clients, route_name
):
    shop = quiet_clients
    route = WRITE_ROUTES[route_name]
    client, path = shop.client(route.role), route.path(shop)
    cases = list(cases_for(route, shop))
    before = snapshot()

    problems = [
        problem
        for case in cases
        if (problem := try_case(client, route, path, case, before))
    ]

    assert not problems, "\n".join(problems)
    assert len(cases) >= len(WHOLE_BODY_CASES) + 7
    # Every case was rolled back: the last one met the shop the first did.
    assert snapshot() == before


def test_the_good_bodies_of_the_table_are_accepted(shop):
    # Otherwise a refused case would prove nothing: each good body, sent as
    # it is, must pass.
    refused = {}
    for name, route in WRITE_ROUTES.items():
        savepoint = transaction.savepoint_create()
        response = shop.client(route.role).generic(
            route.method,
            route.path(shop),
            json.dumps(route.body(shop)),
            content_type="application/json",
            **route.headers,
        )
        transaction.savepoint_rollback(savepoint)
        if response.status_code >= 400:
            refused[name] = (response.status_code, response.content[:200])

    assert refused == {}


# --- Query strings, path ids and headers ------------------------------------

QUERY_VALUES = (
    "\x00",
    "a\x00b",
    "\x01\x1b[2J",
    LONG,
    "🛒🌸",
    "\u202eabc",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "",
    "%",
    ",",
    "price,,-name",
    "'; DROP TABLE orders_order; --",
)


def query_parameters():
    """Each GET route's query parameters, as the OpenAPI schema lists them."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    return sorted(
        (path, parameter["name"])
        for path, operations in schema["paths"].items()
        if "get" in operations
        for parameter in operations["get"].get("parameters", [])
        if parameter["in"] == "query"
    )


def role_for(path):
    if path.startswith("/api/admin/"):
        return "staff"
    if path.startswith(("/api/auth/", "/api/orders/", "/api/cart/")):
        return "user"
    return "guest"


def test_every_listed_query_parameter_is_tried():
    # The filters and pages of each list: a new filter is tried too.
    assert {name for _, name in query_parameters()} >= {
        "search",
        "category",
        "min_price",
        "max_price",
        "in_stock",
        "ordering",
        "is_active",
        "status",
        "user",
        "created_after",
        "created_before",
        "page",
        "page_size",
    }


@pytest.mark.parametrize(("path", "parameter"), query_parameters())
def test_bad_query_values_get_a_200_or_a_4xx_and_change_nothing(
    quiet_clients, path, parameter
):
    shop = quiet_clients
    client = shop.client(role_for(path))
    before = snapshot()
    problems = []

    for value in QUERY_VALUES:
        response = client.get(path, {parameter: value})
        if response.status_code >= 500 or (
            response.status_code >= 400 and not is_error_shape(response.json())
        ):
            problems.append(f"{value[:20]!r}: {response.status_code}")

    assert problems == []
    assert changed_tables(before, snapshot()) == []


HUGE_IDS = ("99999999999999999999", str(2**63), str(2**63 - 1), "0")


def id_routes():
    from .test_permission_matrix import MATRIX, api_routes

    return sorted(
        (route, method)
        for route, methods in api_routes().items()
        if "<int:" in route
        for method in methods
        if (route, method) in MATRIX
    )


@pytest.mark.parametrize(("route", "method"), id_routes())
def test_ids_out_of_range_in_paths_are_a_404_that_changes_nothing(
    quiet_clients, route, method
):
    from .test_permission_matrix import MATRIX, _allowed_role

    shop = quiet_clients
    row = MATRIX[route, method]
    role = _allowed_role(route)
    body = json.dumps(row.body(shop, role)) if row.body else ""
    before = snapshot()

    statuses = {
        huge: shop.client(role)
        .generic(
            method,
            "/" + re.sub(r"<int:\w+>", huge, route),
            body,
            content_type="application/json",
        )
        .status_code
        for huge in HUGE_IDS
    }

    assert statuses == dict.fromkeys(HUGE_IDS, 404)
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize(
    "key", ["k\x00k", "\x00", "k\x01k", "k\r\nX-Admin: 1", "k" * 10_000]
)
def test_an_unprintable_or_over_long_idempotency_key_is_a_400(quiet_clients, key):
    shop = quiet_clients
    before = snapshot()

    response = shop.client("user").post(
        "/api/orders/checkout/",
        {"address_id": shop.address.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "idempotency_key_invalid"
    assert changed_tables(before, snapshot()) == []


def as_wsgi_delivers(value):
    """
    A header value as a WSGI server hands it to Django: the bytes on the
    wire (UTF-8 here) read as Latin-1 (PEP 3333). Gunicorn refuses NUL and
    other control characters in a header before the application sees it
    (RFC 9110, 5.5), which the cases below send anyway, for other servers.
    """
    return value.encode().decode("latin-1")


@pytest.mark.parametrize(
    "header",
    [
        "Token \x00",
        "Token " + "a" * 10_000,
        as_wsgi_delivers("Token 🛒"),
        as_wsgi_delivers("Token \u202eabc"),
        "Token a b",
        "Token",
        "Bearer abc",
        "\x00",
    ],
)
def test_a_malformed_authorization_header_is_a_401(quiet_clients, header):
    response = quiet_clients.client("guest").get(
        "/api/auth/me/", HTTP_AUTHORIZATION=header
    )

    assert response.status_code == 401
    assert is_error_shape(response.json())


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("HTTP_IF_NONE_MATCH", as_wsgi_delivers('"\x00", W/"🛒", *, ,,,')),
        ("HTTP_IF_NONE_MATCH", "x" * 10_000),
        ("HTTP_X_REQUEST_ID", "id\x00\r\nforged: line"),
        ("HTTP_X_REQUEST_ID", "x" * 10_000),
        ("HTTP_X_FORWARDED_FOR", as_wsgi_delivers("\x00, 999.999.1.1, ::zz, 🛒")),
        ("HTTP_ACCEPT_LANGUAGE", as_wsgi_delivers("\x00;q=abc, 🛒")),
        ("HTTP_ACCEPT", "application/json; q=abc, */*; q=\x00"),
    ],
)
def test_garbage_in_headers_the_api_reads_still_gets_the_catalog(
    quiet_clients, header, value
):
    response = quiet_clients.client("guest").get("/api/products/", **{header: value})

    assert response.status_code == 200
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", response["X-Request-ID"])


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-16",
        "application/json; charset=utf-32",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=x",
    ],
)
def test_a_body_in_another_encoding_than_it_says_is_a_4xx(quiet_clients, content_type):
    shop = quiet_clients
    before = snapshot()

    response = shop.client("user").generic(
        "POST",
        "/api/cart/add/",
        json.dumps({"product_id": shop.spare_product.pk, "quantity": 1}),
        content_type=content_type,
    )

    assert 400 <= response.status_code < 500, response.content[:300]
    assert is_error_shape(response.json())
    assert changed_tables(before, snapshot()) == []


def test_an_unknown_charset_is_read_as_utf8(quiet_clients):
    # Django ignores a charset it does not know; the body is read as UTF-8.
    shop = quiet_clients

    response = shop.client("user").generic(
        "POST",
        "/api/cart/add/",
        json.dumps({"product_id": shop.spare_product.pk, "quantity": 1}),
        content_type="application/json; charset=klingon",
    )

    assert response.status_code == 200
