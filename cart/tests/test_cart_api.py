from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.test.utils import CaptureQueriesContext

from cart import services
from cart.models import CartItem
from catalog.tests.factories import CategoryFactory, ProductFactory
from ravoos_pansy.errors import DomainValidationError

CART = "/api/cart/"
ADD = "/api/cart/add/"
UPDATE = "/api/cart/update/"
CLEAR = "/api/cart/clear/"


def remove_url(item_id):
    return f"/api/cart/remove/{item_id}/"


def quantities(user):
    return dict(
        CartItem.objects.filter(user=user).values_list("product_id", "quantity")
    )


def error_codes(response):
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


# Reading


@pytest.mark.django_db
def test_an_empty_cart_reads_as_zero(user_client):
    response = user_client.get(CART)

    assert response.status_code == 200
    assert response.json() == {
        "items": [],
        "item_count": 0,
        "subtotal": "0.00",
        "gst": "0.00",
        "total": "0.00",
    }


def test_the_cart_shows_each_line_with_its_product_and_the_totals(
    user_client, product, make_line
):
    line = make_line(product=product, quantity=2)

    response = user_client.get(CART)

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": line.pk,
                "product": {
                    "id": product.pk,
                    "name": product.name,
                    "slug": product.slug,
                    "price": "100.00",
                    "stock": 10,
                    "in_stock": True,
                    "image": None,
                    "is_active": True,
                },
                "quantity": 2,
                "line_total": "200.00",
                "is_purchasable": True,
                "problem": None,
            }
        ],
        "item_count": 2,
        "subtotal": "200.00",
        "gst": "10.00",
        "total": "210.00",
    }


def test_totals_add_up_every_line_rounding_half_up(user_client, category, make_line):
    make_line(
        product=ProductFactory(category=category, price=Decimal("0.25")), quantity=1
    )
    make_line(
        product=ProductFactory(category=category, price=Decimal("19.99")), quantity=3
    )

    body = user_client.get(CART).json()

    # 0.25 + 59.97 = 60.22; 5% of it is 3.011, rounded to 3.01.
    assert [item["line_total"] for item in body["items"]] == ["0.25", "59.97"]
    assert body["item_count"] == 4
    assert (body["subtotal"], body["gst"], body["total"]) == ("60.22", "3.01", "63.23")


def test_a_cart_larger_than_an_order_can_record_still_reads(
    user_client, category, make_line
):
    for _ in range(2):
        dearest = ProductFactory(
            category=category, price=Decimal("99999999.99"), stock=100
        )
        make_line(product=dearest, quantity=99)

    response = user_client.get(CART)

    assert response.status_code == 200
    body = response.json()
    assert [item["line_total"] for item in body["items"]] == ["9899999999.01"] * 2
    assert (body["subtotal"], body["gst"], body["total"]) == (
        "19799999998.02",
        "989999999.90",
        "20789999997.92",
    )


def test_adding_up_to_the_dearest_line_answers_with_the_cart(
    user_client, user, category
):
    dearest = ProductFactory(category=category, price=Decimal("99999999.99"), stock=99)

    response = user_client.post(
        ADD, {"product_id": dearest.pk, "quantity": 99}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["total"] == "10394999998.96"
    assert quantities(user) == {dearest.pk: 99}


def test_a_user_sees_only_their_own_lines(
    user_client, other_user, product, category, make_line
):
    mine = make_line(product=product)
    make_line(product=ProductFactory(category=category), owner=other_user)

    body = user_client.get(CART).json()

    assert [item["id"] for item in body["items"]] == [mine.pk]


def test_a_product_switched_off_after_it_was_added_stays_in_the_cart_unpriced(
    user_client, product, category, make_line
):
    kept = ProductFactory(category=category, price=Decimal("30.00"))
    make_line(product=kept, quantity=1)
    line = make_line(product=product, quantity=2)
    product.is_active = False
    product.save()

    body = user_client.get(CART).json()

    switched_off = body["items"][1]
    assert switched_off["id"] == line.pk
    assert switched_off["is_purchasable"] is False
    assert switched_off["product"]["is_active"] is False
    assert switched_off["problem"] == {
        "code": "inactive",
        "detail": "This product is no longer sold.",
        "available": None,
    }
    assert body["item_count"] == 3
    assert (body["subtotal"], body["gst"], body["total"]) == ("30.00", "1.50", "31.50")


def test_a_product_whose_category_was_switched_off_is_not_purchasable(
    user_client, product, category, make_line
):
    make_line(product=product)
    category.is_active = False
    category.save()

    item = user_client.get(CART).json()["items"][0]

    assert item["is_purchasable"] is False
    assert item["problem"]["code"] == "inactive"


def test_a_product_under_a_switched_off_parent_category_is_not_purchasable(
    user_client, make_line
):
    parent = CategoryFactory()
    product = ProductFactory(category=CategoryFactory(parent=parent))
    make_line(product=product)
    parent.is_active = False
    parent.save()

    item = user_client.get(CART).json()["items"][0]

    assert item["is_purchasable"] is False
    assert item["problem"]["code"] == "inactive"


def test_a_line_above_the_stock_left_says_how_many_are_available(
    user_client, product, make_line
):
    make_line(product=product, quantity=4)
    product.stock = 3
    product.save()

    body = user_client.get(CART).json()

    item = body["items"][0]
    assert item["is_purchasable"] is False
    assert item["line_total"] == "400.00"
    assert item["problem"] == {
        "code": "insufficient_stock",
        "detail": "Only 3 in stock; lower the quantity to buy it.",
        "available": 3,
    }
    assert (body["subtotal"], body["total"]) == ("0.00", "0.00")


def test_a_sold_out_product_says_so(user_client, product, make_line):
    make_line(product=product, quantity=1)
    product.stock = 0
    product.save()

    item = user_client.get(CART).json()["items"][0]

    assert item["product"]["in_stock"] is False
    assert item["problem"] == {
        "code": "insufficient_stock",
        "detail": "Out of stock.",
        "available": 0,
    }


def test_reading_the_cart_takes_the_same_queries_for_one_line_or_thirty(
    user_client, user, category
):
    def add_lines(count):
        CartItem.objects.bulk_create(
            CartItem(user=user, product=ProductFactory(category=category), quantity=1)
            for _ in range(count)
        )

    add_lines(1)
    # Caches the token's look-up, so that both counts below leave it out.
    user_client.get("/api/auth/me/")
    with CaptureQueriesContext(connection) as one_line:
        user_client.get(CART)
    add_lines(29)
    with CaptureQueriesContext(connection) as thirty_lines:
        response = user_client.get(CART)

    assert len(response.json()["items"]) == 30
    assert len(thirty_lines) == len(one_line)
    cart_queries = [q for q in thirty_lines.captured_queries if "cart_" in q["sql"]]
    assert len(cart_queries) == 1


def test_reading_a_full_cart_takes_at_most_three_queries(
    user_client, user, category, django_assert_max_num_queries
):
    CartItem.objects.bulk_create(
        CartItem(user=user, product=ProductFactory(category=category), quantity=1)
        for _ in range(30)
    )

    # Two to authenticate the token, one for the lines with their products.
    with django_assert_max_num_queries(3):
        response = user_client.get(CART)

    assert len(response.json()["items"]) == 30


# Adding


def test_adding_a_product_creates_a_line_and_answers_with_the_cart(
    user_client, user, product
):
    response = user_client.post(
        ADD, {"product_id": product.pk, "quantity": 3}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert [(item["product"]["id"], item["quantity"]) for item in body["items"]] == [
        (product.pk, 3)
    ]
    assert (body["subtotal"], body["gst"], body["total"]) == (
        "300.00",
        "15.00",
        "315.00",
    )
    assert quantities(user) == {product.pk: 3}


def test_adding_without_a_quantity_adds_one(user_client, user, product):
    response = user_client.post(ADD, {"product_id": product.pk}, format="json")

    assert response.status_code == 200
    assert quantities(user) == {product.pk: 1}


def test_adding_a_product_already_in_the_cart_raises_its_quantity(
    user_client, user, product, make_line
):
    line = make_line(product=product, quantity=2)

    response = user_client.post(
        ADD, {"product_id": product.pk, "quantity": 3}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["items"][0]["id"] == line.pk
    assert quantities(user) == {product.pk: 5}


def test_a_quantity_given_as_a_numeric_string_is_taken(user_client, user, product):
    response = user_client.post(
        ADD, {"product_id": product.pk, "quantity": "2"}, format="json"
    )

    assert response.status_code == 200
    assert quantities(user) == {product.pk: 2}


def test_adding_up_to_exactly_the_stock_is_allowed(user_client, user, product):
    response = user_client.post(
        ADD, {"product_id": product.pk, "quantity": 10}, format="json"
    )

    assert response.status_code == 200
    assert quantities(user) == {product.pk: 10}


def test_adding_more_than_is_in_stock_is_a_conflict_naming_what_is_available(
    user_client, user, product
):
    response = user_client.post(
        ADD, {"product_id": product.pk, "quantity": 11}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "insufficient_stock",
                "detail": "Only 10 of this product in stock.",
                "attr": None,
            }
        ],
        "product_id": product.pk,
        "available": 10,
    }
    assert quantities(user) == {}


def test_adding_to_a_line_past_the_stock_is_a_conflict_and_keeps_the_line(
    user_client, user, product, make_line
):
    make_line(product=product, quantity=8)

    response = user_client.post(
        ADD, {"product_id": product.pk, "quantity": 3}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "insufficient_stock"
    assert response.json()["available"] == 10
    assert quantities(user) == {product.pk: 8}


def test_adding_a_sold_out_product_is_a_conflict(user_client, user, category):
    sold_out = ProductFactory(category=category, stock=0)

    response = user_client.post(ADD, {"product_id": sold_out.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["available"] == 0
    assert quantities(user) == {}


def test_a_line_holds_at_most_99_of_a_product(user_client, user, category, make_line):
    plenty = ProductFactory(category=category, stock=500)
    make_line(product=plenty, quantity=98)

    response = user_client.post(
        ADD, {"product_id": plenty.pk, "quantity": 2}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "max_value",
            "detail": "A cart line holds at most 99 of a product.",
            "attr": "quantity",
        }
    ]
    assert quantities(user) == {plenty.pk: 98}


def test_a_line_may_be_filled_to_exactly_99(user_client, user, category, make_line):
    plenty = ProductFactory(category=category, stock=500)
    make_line(product=plenty, quantity=98)

    response = user_client.post(ADD, {"product_id": plenty.pk}, format="json")

    assert response.status_code == 200
    assert quantities(user) == {plenty.pk: 99}


def test_adding_an_unknown_product_is_not_found(user_client, user):
    response = user_client.post(ADD, {"product_id": 999_999}, format="json")

    assert response.status_code == 404
    assert error_codes(response) == [("not_found", None)]
    assert quantities(user) == {}


def test_adding_an_inactive_product_is_not_found(user_client, user, category):
    hidden = ProductFactory(category=category, is_active=False)

    response = user_client.post(ADD, {"product_id": hidden.pk}, format="json")

    assert response.status_code == 404
    assert quantities(user) == {}


def test_adding_a_product_of_an_inactive_category_is_not_found(user_client, user):
    hidden = ProductFactory(category=CategoryFactory(is_active=False))

    response = user_client.post(ADD, {"product_id": hidden.pk}, format="json")

    assert response.status_code == 404
    assert quantities(user) == {}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"quantity": "abc"}, [("invalid", "quantity")]),
        ({"quantity": -5}, [("min_value", "quantity")]),
        ({"quantity": 0}, [("min_value", "quantity")]),
        ({"quantity": 10**12}, [("max_value", "quantity")]),
        ({"quantity": 100}, [("max_value", "quantity")]),
        ({"quantity": 1.5}, [("invalid", "quantity")]),
        ({"quantity": "1.5"}, [("invalid", "quantity")]),
        ({"quantity": True}, [("invalid", "quantity")]),
        ({"quantity": None}, [("null", "quantity")]),
        ({"quantity": [2]}, [("invalid", "quantity")]),
        ({"product_id": "x"}, [("incorrect_type", "product_id")]),
        ({"product_id": None}, [("null", "product_id")]),
        ({"product_id": 0}, [("min_value", "product_id")]),
        ({"product_id": 10**30}, [("max_value", "product_id")]),
        ({"product_id": "9" * 2000}, [("incorrect_type", "product_id")]),
        ({"product_id": 1.5}, [("incorrect_type", "product_id")]),
        ({"product_id": [1]}, [("incorrect_type", "product_id")]),
    ],
)
def test_bad_add_input_is_refused_and_writes_nothing(
    user_client, user, product, body, expected
):
    response = user_client.post(
        ADD, {"product_id": product.pk, "quantity": 1, **body}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert error_codes(response) == expected
    assert quantities(user) == {}


@pytest.mark.parametrize(
    ("spelled", "detail"),
    [
        ("string", "Expected an id as a whole number, not a string."),
        ("decimal", "Expected an id as a whole number, not a decimal number."),
        ("boolean", "Expected an id as a whole number, not true or false."),
    ],
)
def test_a_product_id_that_is_not_a_json_integer_is_refused(
    user_client, user, product, spelled, detail
):
    product_id = {
        "string": str(product.pk),
        "decimal": float(product.pk),
        "boolean": True,
    }[spelled]

    response = user_client.post(
        ADD, {"product_id": product_id, "quantity": 1}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "incorrect_type", "detail": detail, "attr": "product_id"}
    ]
    assert quantities(user) == {}


def test_adding_without_a_product_id_is_refused(user_client, user):
    response = user_client.post(ADD, {"quantity": 1}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("required", "product_id")]
    assert quantities(user) == {}


def test_a_json_list_instead_of_an_object_is_refused(user_client, user, product):
    response = user_client.post(
        ADD, [{"product_id": product.pk, "quantity": 1}], format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == [("invalid", "non_field_errors")]
    assert quantities(user) == {}


def test_broken_json_is_refused(user_client, user):
    response = user_client.post(
        ADD, '{"product_id": 1,', content_type="application/json"
    )

    assert response.status_code == 400
    assert error_codes(response) == [("parse_error", None)]
    assert quantities(user) == {}


def test_a_body_that_is_not_json_is_refused(user_client, user, product):
    response = user_client.post(
        ADD, f"product_id={product.pk}", content_type="text/plain"
    )

    assert response.status_code == 415
    assert quantities(user) == {}


@pytest.mark.parametrize("body_format", ["form", "multipart"])
@pytest.mark.parametrize("route", ["add", "update"])
def test_a_form_body_is_refused_as_an_unsupported_media_type(
    user_client, user, product, make_line, route, body_format
):
    line = make_line(product=product, quantity=2)
    method, path, body = {
        "add": ("POST", ADD, {"product_id": product.pk, "quantity": 1}),
        "update": ("PUT", UPDATE, {"item_id": line.pk, "quantity": 5}),
    }[route]
    if body_format == "form":
        content_type = "application/x-www-form-urlencoded"
        payload = urlencode(body)
    else:
        content_type = MULTIPART_CONTENT
        payload = encode_multipart(BOUNDARY, body)

    response = user_client.generic(method, path, payload, content_type=content_type)

    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"
    assert quantities(user) == {product.pk: 2}


# Updating


def test_updating_a_line_sets_its_quantity(user_client, user, product, make_line):
    line = make_line(product=product, quantity=2)

    response = user_client.put(
        UPDATE, {"item_id": line.pk, "quantity": 7}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["items"][0]["quantity"] == 7
    assert response.json()["subtotal"] == "700.00"
    assert quantities(user) == {product.pk: 7}


@pytest.mark.parametrize("quantity", [0, -5])
def test_updating_to_zero_or_less_removes_the_line(
    user_client, user, product, make_line, quantity
):
    line = make_line(product=product, quantity=2)

    response = user_client.put(
        UPDATE, {"item_id": line.pk, "quantity": quantity}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert quantities(user) == {}


def test_updating_above_the_stock_is_a_conflict_and_keeps_the_line(
    user_client, user, product, make_line
):
    line = make_line(product=product, quantity=2)

    response = user_client.put(
        UPDATE, {"item_id": line.pk, "quantity": 11}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "insufficient_stock"
    assert response.json()["available"] == 10
    assert quantities(user) == {product.pk: 2}


def test_a_line_that_ran_short_can_be_lowered_to_what_is_left(
    user_client, user, product, make_line
):
    line = make_line(product=product, quantity=5)
    product.stock = 3
    product.save()

    response = user_client.put(
        UPDATE, {"item_id": line.pk, "quantity": 3}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["items"][0]["is_purchasable"] is True
    assert quantities(user) == {product.pk: 3}


def test_a_line_whose_product_was_switched_off_can_only_be_removed(
    user_client, user, product, make_line
):
    line = make_line(product=product, quantity=2)
    product.is_active = False
    product.save()

    response = user_client.put(
        UPDATE, {"item_id": line.pk, "quantity": 1}, format="json"
    )

    assert response.status_code == 409
    assert error_codes(response) == [("product_inactive", None)]
    assert quantities(user) == {product.pk: 2}


def test_updating_another_users_line_is_not_found(
    user_client, other_user, product, make_line
):
    theirs = make_line(product=product, quantity=2, owner=other_user)

    response = user_client.put(
        UPDATE, {"item_id": theirs.pk, "quantity": 5}, format="json"
    )

    assert response.status_code == 404
    assert quantities(other_user) == {product.pk: 2}


def test_removing_another_users_line_through_update_is_not_found(
    user_client, other_user, product, make_line
):
    theirs = make_line(product=product, quantity=2, owner=other_user)

    response = user_client.put(
        UPDATE, {"item_id": theirs.pk, "quantity": 0}, format="json"
    )

    assert response.status_code == 404
    assert quantities(other_user) == {product.pk: 2}


def test_updating_an_unknown_line_is_not_found(user_client):
    response = user_client.put(
        UPDATE, {"item_id": 999_999, "quantity": 1}, format="json"
    )

    assert response.status_code == 404
    assert error_codes(response) == [("not_found", None)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"quantity": "abc"}, [("invalid", "quantity")]),
        ({"quantity": 10**12}, [("max_value", "quantity")]),
        ({"quantity": 100}, [("max_value", "quantity")]),
        ({"quantity": 1.5}, [("invalid", "quantity")]),
        ({"quantity": None}, [("null", "quantity")]),
        ({"item_id": "x"}, [("incorrect_type", "item_id")]),
        ({"item_id": None}, [("null", "item_id")]),
        ({"item_id": 10**30}, [("max_value", "item_id")]),
        ({"item_id": 1.5}, [("incorrect_type", "item_id")]),
        ({"item_id": {"id": 1}}, [("incorrect_type", "item_id")]),
    ],
)
def test_bad_update_input_is_refused_and_writes_nothing(
    user_client, user, product, make_line, body, expected
):
    line = make_line(product=product, quantity=2)

    response = user_client.put(
        UPDATE, {"item_id": line.pk, "quantity": 3, **body}, format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == expected
    assert quantities(user) == {product.pk: 2}


@pytest.mark.parametrize("spell", [str, float])
def test_an_item_id_that_is_not_a_json_integer_is_refused(
    user_client, user, product, make_line, spell
):
    line = make_line(product=product, quantity=2)

    response = user_client.put(
        UPDATE, {"item_id": spell(line.pk), "quantity": 3}, format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == [("incorrect_type", "item_id")]
    assert quantities(user) == {product.pk: 2}


@pytest.mark.parametrize("missing", ["item_id", "quantity"])
def test_an_update_missing_a_field_is_refused(
    user_client, user, product, make_line, missing
):
    line = make_line(product=product, quantity=2)
    body = {"item_id": line.pk, "quantity": 3}
    del body[missing]

    response = user_client.put(UPDATE, body, format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("required", missing)]
    assert quantities(user) == {product.pk: 2}


def test_an_update_with_a_json_list_is_refused(user_client, user, product, make_line):
    line = make_line(product=product, quantity=2)

    response = user_client.put(
        UPDATE, [{"item_id": line.pk, "quantity": 3}], format="json"
    )

    assert response.status_code == 400
    assert quantities(user) == {product.pk: 2}


# Removing and clearing


def test_removing_a_line_answers_with_the_rest_of_the_cart(
    user_client, user, product, category, make_line
):
    gone = make_line(product=product)
    kept = make_line(product=ProductFactory(category=category))

    response = user_client.delete(remove_url(gone.pk))

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [kept.pk]
    assert quantities(user) == {kept.product_id: 1}


def test_removing_another_users_line_is_not_found(
    user_client, other_user, product, make_line
):
    theirs = make_line(product=product, owner=other_user)

    response = user_client.delete(remove_url(theirs.pk))

    assert response.status_code == 404
    assert error_codes(response) == [("not_found", None)]
    assert quantities(other_user) == {product.pk: 1}


@pytest.mark.parametrize("item_id", [999_999, 10**30])
def test_removing_an_unknown_line_is_not_found(user_client, item_id):
    response = user_client.delete(remove_url(item_id))

    assert response.status_code == 404


def test_clearing_empties_only_the_users_own_cart(
    user_client, user, other_user, product, category, make_line
):
    make_line(product=product)
    make_line(product=ProductFactory(category=category))
    make_line(product=product, owner=other_user)

    response = user_client.delete(CLEAR)

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["total"] == "0.00"
    assert quantities(user) == {}
    assert quantities(other_user) == {product.pk: 1}


def test_clearing_an_empty_cart_is_fine(user_client):
    response = user_client.delete(CLEAR)

    assert response.status_code == 200
    assert response.json()["item_count"] == 0


# Who may use the cart

ROUTES = [
    ("get", CART, None),
    ("post", ADD, {"product_id": 1, "quantity": 1}),
    ("put", UPDATE, {"item_id": 1, "quantity": 1}),
    ("delete", remove_url(1), None),
    ("delete", CLEAR, None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_guests_are_refused_every_cart_route(api_client, method, path, body):
    response = getattr(api_client, method)(path, body, format="json")

    assert response.status_code == 401
    assert error_codes(response) == [("not_authenticated", None)]
    assert CartItem.objects.count() == 0


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_staff_are_refused_every_cart_route(
    staff_client, staff_user, product, method, path, body
):
    body = body and {**body, "product_id": product.pk}

    response = getattr(staff_client, method)(path, body, format="json")

    assert response.status_code == 403
    assert error_codes(response) == [("permission_denied", None)]
    assert CartItem.objects.count() == 0


def test_a_bad_token_is_refused(api_client, product):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.post(ADD, {"product_id": product.pk}, format="json")

    assert response.status_code == 401
    assert CartItem.objects.count() == 0


def test_the_add_service_refuses_a_quantity_below_one_itself(user, product):
    with pytest.raises(DomainValidationError) as refused:
        services.add_to_cart(user=user, product_id=product.pk, quantity=0)

    assert refused.value.get_codes() == {"quantity": ["min_value"]}
    assert quantities(user) == {}
