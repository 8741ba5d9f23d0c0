"""
Refusals the schema fuzzing found undocumented, each sent on purpose: the
answer must match what /api/schema/ promises for that operation and status.
"""

import io
import json

import pytest
from PIL import Image
from werkzeug.test import Client

from .openapi import api_application, load_schema


@pytest.fixture(scope="module")
def schema():
    return load_schema()


@pytest.fixture
def call(shop):
    """Sends a request as a role through the WSGI application."""
    client = Client(api_application)

    def call_(role, method, path, **kwargs):
        key = shop.client(role)._credentials["HTTP_AUTHORIZATION"]
        return client.open(
            path, method=method, headers={"Authorization": key}, **kwargs
        )

    return call_


def conforms(schema, template, method, response):
    schema[template][method].validate_response(response)
    return True


def gif_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, format="GIF")
    return buffer.getvalue()


def test_a_taken_slug_on_a_new_category_is_a_documented_400(schema, shop, call):
    response = call(
        "staff",
        "POST",
        "/api/admin/categories/",
        json={"name": "Kitchen two", "slug": shop.category.slug},
    )

    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "unique"
    assert conforms(schema, "/api/admin/categories/", "POST", response)


def test_a_gif_for_a_product_image_is_a_documented_400(schema, shop, call):
    response = call(
        "staff",
        "POST",
        "/api/admin/products/",
        data={
            "name": "Clay pot",
            "price": "12.50",
            "category": str(shop.category.pk),
            "image": (io.BytesIO(gif_bytes()), "pot.gif", "image/gif"),
        },
    )

    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "unsupported_image_format"
    assert conforms(schema, "/api/admin/products/", "POST", response)


def test_coupon_rules_broken_together_are_a_documented_400(schema, shop, call):
    response = call(
        "staff",
        "PUT",
        f"/api/admin/coupons/{shop.coupon.pk}/",
        data=json.dumps(
            {
                "code": "BIG",
                "kind": "percent",
                "value": "150.00",
                "valid_from": "2026-01-02T00:00:00Z",
                "valid_to": "2026-01-01T00:00:00Z",
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert {(e["attr"], e["code"]) for e in response.json["errors"]} == {
        ("value", "max_value"),
        ("valid_to", "ends_before_start"),
    }
    assert conforms(schema, "/api/admin/coupons/{id}/", "PUT", response)


def test_an_unknown_order_status_is_a_documented_400(schema, shop, call):
    response = call(
        "staff",
        "PATCH",
        f"/api/orders/{shop.order.pk}/status/",
        json={"status": "lost"},
    )

    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "invalid_choice"
    assert conforms(schema, "/api/orders/{id}/status/", "PATCH", response)


@pytest.mark.parametrize("path", ["/api/products/", "/api/admin/products/"])
def test_a_nul_in_the_category_filter_is_a_documented_400(schema, call, path):
    response = call("staff", "GET", path, query_string={"category": "a\x00b"})

    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "null_characters_not_allowed"
    assert conforms(schema, path, "GET", response)


def test_a_status_change_that_is_not_json_is_a_documented_400(schema, shop, call):
    response = call(
        "staff",
        "PATCH",
        f"/api/orders/{shop.order.pk}/status/",
        data='{"status": ',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "parse_error"
    assert conforms(schema, "/api/orders/{id}/status/", "PATCH", response)
