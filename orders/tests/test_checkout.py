from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from accounts.tests.factories import AddressFactory
from cart.models import CartItem
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from coupons.models import CouponRedemption
from orders import pricing
from orders.models import Order, OrderLine, OrderStatusChange

from .factories import CartItemFactory, CouponFactory

CHECKOUT = "/api/orders/checkout/"

pytestmark = pytest.mark.django_db

as_json_time = serializers.DateTimeField().to_representation


def assert_nothing_written(*, products, cart_lines, coupon=None):
    """No order exists, and stock, cart and coupon are as they were."""
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert OrderStatusChange.objects.count() == 0
    assert CouponRedemption.objects.count() == 0
    for product in products:
        assert Product.objects.get(pk=product.pk).stock == product.stock
    assert CartItem.objects.count() == cart_lines
    if coupon is not None:
        coupon.refresh_from_db()
        assert coupon.used_count == 0


def test_checkout_places_the_order_and_answers_with_the_bill(
    user, user_client, address, product, other_product, put_in_cart
):
    put_in_cart(product, 2)
    put_in_cart(other_product, 1)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 201
    order = Order.objects.get()
    body = response.json()
    assert body.pop("created_at") == as_json_time(order.created_at)
    assert body.pop("updated_at") == as_json_time(order.updated_at)
    history = body.pop("status_history")
    assert history[0].pop("created_at") == as_json_time(
        order.status_history.get().created_at
    )
    assert history == [
        {
            "from_status": None,
            "to_status": "placed",
            "changed_by": {"id": user.pk, "name": user.name, "role": "user"},
        }
    ]
    lines = list(order.lines.order_by("pk"))
    assert body == {
        "id": order.pk,
        "status": "placed",
        "items": [
            {
                "id": lines[0].pk,
                "product_id": product.pk,
                "product_name": "Teak bowl",
                "unit_price": "100.00",
                "quantity": 2,
                "line_total": "200.00",
            },
            {
                "id": lines[1].pk,
                "product_id": other_product.pk,
                "product_name": "Brass lamp",
                "unit_price": "49.99",
                "quantity": 1,
                "line_total": "49.99",
            },
        ],
        "item_count": 3,
        "subtotal": "249.99",
        "discount": "0.00",
        "gst_rate": "0.0500",
        "gst": "12.50",
        "total": "262.49",
        "coupon_code": "",
        "address": {
            "full_name": address.full_name,
            "phone": address.phone,
            "street": address.street,
            "city": "Pune",
            "state": "Maharashtra",
            "pincode": "411001",
            "landmark": "",
            "text": address.as_text(),
        },
        "allowed_next_statuses": ["packing", "cancelled"],
        "is_cancellable": True,
        "is_hideable": False,
    }


def test_checkout_answers_with_the_bill_the_order_page_reads_back(
    settings, user_client, address, category, product, other_product, put_in_cart
):
    # The answer is built from the rows as written, not read back: odd
    # prices, a coupon and a four-place tax rate check that every amount
    # reads as the database stored it.
    settings.TAX_RATE = Decimal("0.1825")
    CouponFactory(code="ODD", kind="percent", value=Decimal("12.50"))
    odd = ProductFactory(category=category, price=Decimal("33.33"), stock=10)
    put_in_cart(other_product, 3)
    put_in_cart(odd, 7)
    put_in_cart(product, 1)

    placed = user_client.post(
        CHECKOUT, {"address_id": address.pk, "coupon": "ODD"}, format="json"
    )

    assert placed.status_code == 201
    page = user_client.get(f"/api/orders/{placed.json()['id']}/")
    assert page.status_code == 200
    assert placed.json() == page.json()
    assert [item["product_id"] for item in placed.json()["items"]] == [
        other_product.pk,
        odd.pk,
        product.pk,
    ]


def test_checkout_takes_the_stock_and_empties_the_cart(
    user, user_client, address, product, other_product, put_in_cart
):
    put_in_cart(product, 3)
    put_in_cart(other_product, 10)

    user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert Product.objects.get(pk=product.pk).stock == 7
    assert Product.objects.get(pk=other_product.pk).stock == 0
    assert CartItem.objects.filter(user=user).count() == 0


def test_checkout_leaves_other_customers_carts_alone(
    user_client, other_user, address, product, put_in_cart
):
    put_in_cart(product, 1)
    put_in_cart(product, 2, owner=other_user)

    user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert CartItem.objects.get().user == other_user


@pytest.mark.parametrize(
    ("prices_and_quantities", "coupon_kwargs"),
    [
        ([("33.33", 3), ("0.05", 7)], None),
        ([("19.99", 1), ("5.55", 5)], {"kind": "percent", "value": Decimal("12.5")}),
        ([("10.00", 1)], {"kind": "fixed", "value": Decimal("25.00")}),
        (
            [("999.99", 2)],
            {
                "kind": "percent",
                "value": Decimal("50"),
                "max_discount": Decimal("100"),
            },
        ),
    ],
)
def test_checkout_totals_equal_the_pricing_module(
    user_client, address, category, put_in_cart, prices_and_quantities, coupon_kwargs
):
    lines = []
    for price, quantity in prices_and_quantities:
        product = ProductFactory(category=category, price=Decimal(price), stock=50)
        put_in_cart(product, quantity)
        lines.append((Decimal(price), quantity))
    body = {"address_id": address.pk}
    coupon = None
    if coupon_kwargs:
        coupon = CouponFactory(code="PRICED", **coupon_kwargs)
        body["coupon"] = "priced"

    response = user_client.post(CHECKOUT, body, format="json")

    expected = pricing.price_lines(lines, coupon=coupon)
    order = Order.objects.get()
    assert (order.subtotal, order.discount, order.gst, order.total) == (
        expected.subtotal,
        expected.discount,
        expected.gst,
        expected.total,
    )
    assert response.json()["total"] == str(expected.total)
    assert [line.line_total for line in order.lines.order_by("pk")] == [
        pricing.line_total(price, quantity) for price, quantity in lines
    ]


def test_checkout_with_a_coupon_redeems_it(
    user, user_client, address, product, coupon, put_in_cart
):
    put_in_cart(product, 2)

    response = user_client.post(
        CHECKOUT, {"address_id": address.pk, "coupon": "save10"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["coupon_code"] == "SAVE10"
    assert response.json()["discount"] == "20.00"
    assert response.json()["total"] == "189.00"
    coupon.refresh_from_db()
    assert coupon.used_count == 1
    redemption = CouponRedemption.objects.get()
    assert (redemption.coupon, redemption.user, redemption.order) == (
        coupon,
        user,
        Order.objects.get(),
    )


@pytest.mark.parametrize("coupon_value", ["", None])
def test_checkout_with_an_empty_coupon_uses_none(
    user_client, address, product, put_in_cart, coupon_value
):
    put_in_cart(product, 1)

    response = user_client.post(
        CHECKOUT, {"address_id": address.pk, "coupon": coupon_value}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["discount"] == "0.00"
    assert CouponRedemption.objects.count() == 0


@pytest.mark.parametrize(
    ("coupon_kwargs", "code"),
    [
        ({"code": "OTHER"}, "coupon_unknown"),
        ({"is_active": False}, "coupon_inactive"),
        ({"usage_limit": 1, "used_count": 1}, "coupon_used_up"),
        ({"min_subtotal": Decimal("500.00")}, "coupon_minimum_not_met"),
    ],
)
def test_checkout_with_a_refused_coupon_is_a_400_and_changes_nothing(
    user_client, address, product, put_in_cart, coupon_kwargs, code
):
    coupon = CouponFactory(**{"code": "SAVE10", **coupon_kwargs})
    used_before = coupon.used_count
    put_in_cart(product, 2)

    response = user_client.post(
        CHECKOUT, {"address_id": address.pk, "coupon": "SAVE10"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert response.json()["errors"][0]["attr"] == "coupon"
    coupon.refresh_from_db()
    assert coupon.used_count == used_before
    assert_nothing_written(products=[product], cart_lines=1)


def test_checkout_with_a_coupon_already_used_by_the_customer_is_refused(
    user, address, product, put_in_cart, place, user_client
):
    coupon = CouponFactory(code="ONCE", per_user_limit=1)
    place((product, 1), coupon_code="ONCE")
    put_in_cart(product, 1)

    response = user_client.post(
        CHECKOUT, {"address_id": address.pk, "coupon": "ONCE"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "coupon_already_used"
    assert Order.objects.count() == 1
    coupon.refresh_from_db()
    assert coupon.used_count == 1


def test_checkout_of_an_empty_cart_is_a_400(user_client, address):
    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {"code": "cart_empty", "detail": "Your cart is empty.", "attr": None}
        ],
    }
    assert Order.objects.count() == 0


def test_checkout_to_someone_elses_address_is_a_400_and_changes_nothing(
    user_client, other_user, product, put_in_cart
):
    their_address = AddressFactory(user=other_user)
    put_in_cart(product, 2)

    response = user_client.post(
        CHECKOUT, {"address_id": their_address.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "address_invalid",
            "detail": "No address of yours has this id.",
            "attr": "address_id",
        }
    ]
    assert_nothing_written(products=[product], cart_lines=1)


def test_checkout_to_an_unknown_address_is_a_400(user_client, product, put_in_cart):
    put_in_cart(product, 1)

    response = user_client.post(CHECKOUT, {"address_id": 999_999}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "address_invalid"
    assert_nothing_written(products=[product], cart_lines=1)


def test_checkout_with_too_little_stock_names_every_short_product(
    user_client, address, category, put_in_cart
):
    fine = ProductFactory(category=category, name="Fine", stock=5)
    short = ProductFactory(category=category, name="Short", stock=2)
    gone = ProductFactory(category=category, name="Gone", stock=0)
    put_in_cart(fine, 5)
    put_in_cart(short, 3)
    put_in_cart(gone, 1)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "insufficient_stock",
                "detail": "Not enough stock for: Short, Gone.",
                "attr": None,
            }
        ],
        "products": [
            {"id": short.pk, "name": "Short", "requested": 3, "available": 2},
            {"id": gone.pk, "name": "Gone", "requested": 1, "available": 0},
        ],
    }
    assert_nothing_written(products=[fine, short, gone], cart_lines=3)


def test_checkout_of_a_switched_off_product_is_a_409_with_nothing_available(
    user_client, address, category, put_in_cart
):
    off = ProductFactory(category=category, name="Off", stock=5, is_active=False)
    put_in_cart(off, 1)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["products"] == [
        {"id": off.pk, "name": "Off", "requested": 1, "available": 0}
    ]
    assert_nothing_written(products=[off], cart_lines=1)


def test_checkout_of_a_product_under_a_switched_off_category_is_a_409(
    user_client, address, put_in_cart
):
    parent = CategoryFactory(is_active=False)
    child = CategoryFactory(parent=parent)
    hidden = ProductFactory(category=child, name="Hidden", stock=5)
    put_in_cart(hidden, 1)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["products"][0]["available"] == 0
    assert_nothing_written(products=[hidden], cart_lines=1)


def test_checkout_with_a_coupon_and_too_little_stock_redeems_nothing(
    user_client, address, product, coupon, put_in_cart
):
    put_in_cart(product, 11)

    response = user_client.post(
        CHECKOUT, {"address_id": address.pk, "coupon": "SAVE10"}, format="json"
    )

    assert response.status_code == 409
    assert_nothing_written(products=[product], cart_lines=1, coupon=coupon)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"address_id": None},
        {"address_id": "abc"},
        {"address_id": 0},
        {"address_id": -3},
        {"address_id": 10**30},
        {"address_id": 1.5},
        {"address_id": [1]},
        {"address_id": 1, "coupon": "X" * 41},
        {"address_id": 1, "coupon": {"code": "SAVE10"}},
        [{"address_id": 1}],
    ],
)
def test_checkout_with_a_bad_body_is_a_400_and_changes_nothing(
    user_client, product, put_in_cart, body
):
    put_in_cart(product, 1)

    response = user_client.post(CHECKOUT, body, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert_nothing_written(products=[product], cart_lines=1)


def test_checkout_with_broken_json_is_a_400(user_client, product, put_in_cart):
    put_in_cart(product, 1)

    response = user_client.post(
        CHECKOUT, '{"address_id": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert_nothing_written(products=[product], cart_lines=1)


def test_checkout_by_staff_is_forbidden(staff_user, staff_client, product):
    address = AddressFactory(user=staff_user)
    CartItemFactory(user=staff_user, product=product, quantity=1)

    response = staff_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert_nothing_written(products=[product], cart_lines=1)


def test_checkout_by_a_guest_is_unauthorised(api_client, address):
    response = api_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 401
    assert Order.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_checkout_answers_only_post(user_client, method):
    response = getattr(user_client, method)(CHECKOUT)

    assert response.status_code == 405


def test_order_keeps_its_snapshot_after_the_address_and_product_change(
    user, user_client, address, product, put_in_cart
):
    put_in_cart(product, 2)
    order_id = user_client.post(
        CHECKOUT, {"address_id": address.pk}, format="json"
    ).json()["id"]
    before = user_client.get(f"/api/orders/{order_id}/").json()

    address.street = "1 New Road"
    address.city = "Goa"
    address.save()
    Product.objects.filter(pk=product.pk).update(name="Renamed", price="1.00")
    after_edit = user_client.get(f"/api/orders/{order_id}/").json()

    address.delete()
    CartItem.objects.all().delete()
    product.delete()
    after_delete = user_client.get(f"/api/orders/{order_id}/").json()

    assert after_edit == before
    for field in ("address", "subtotal", "gst", "total"):
        assert after_delete[field] == before[field]
    assert after_delete["items"] == [{**before["items"][0], "product_id": None}]
    assert before["items"][0]["product_name"] == "Teak bowl"
    assert before["address"]["city"] == "Pune"


def test_checkout_query_count_does_not_grow_with_the_lines(
    user, other_user, address, category, coupon, user_client, other_client
):
    def checkout(client, owner, line_count):
        owner_address = address if owner == user else AddressFactory(user=owner)
        for _ in range(line_count):
            CartItemFactory(
                user=owner, product=ProductFactory(category=category, stock=5)
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                CHECKOUT,
                {"address_id": owner_address.pk, "coupon": "SAVE10"},
                format="json",
            )
        assert response.status_code == 201
        assert len(response.json()["items"]) == line_count
        return len(queries)

    one_line = checkout(user_client, user, 1)
    twenty_lines = checkout(other_client, other_user, 20)

    assert one_line == twenty_lines
    # The answer is not read back after the commit.
    assert twenty_lines <= 14


def _main_table(sql):
    """The table after the query's own FROM, not a subquery's."""
    depth = 0
    for index, char in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and sql.startswith(" FROM ", index):
            return sql[index + len(" FROM ") :].split()[0]
    return None


@pytest.mark.postgres
def test_checkout_locks_cart_lines_address_products_and_coupon_in_that_order(
    user_client, address, product, other_product, put_in_cart, coupon
):
    put_in_cart(other_product, 1)
    put_in_cart(product, 1)

    with CaptureQueriesContext(connection) as queries:
        response = user_client.post(
            CHECKOUT, {"address_id": address.pk, "coupon": "SAVE10"}, format="json"
        )

    assert response.status_code == 201
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert [_main_table(sql) for sql in locking] == [
        '"cart_cartitem"',
        '"accounts_address"',
        '"catalog_product"',
        '"coupons_coupon"',
    ]
    assert locking[2].endswith(
        'ORDER BY "catalog_product"."id" ASC FOR UPDATE OF "catalog_product"'
    )


def test_the_storefront_shows_the_stock_a_checkout_took_and_a_cancel_gave_back(
    user_client,
    api_client,
    address,
    product,
    put_in_cart,
    django_capture_on_commit_callbacks,
):
    detail = f"/api/products/{product.pk}/"
    assert api_client.get(detail).json()["stock"] == 10
    put_in_cart(product, 3)

    with django_capture_on_commit_callbacks(execute=True):
        order = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")
    after_checkout = api_client.get(detail).json()["stock"]
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(f"/api/orders/{order.json()['id']}/cancel/")
    after_cancel = api_client.get(detail).json()["stock"]

    assert (after_checkout, after_cancel) == (7, 10)


def test_an_order_larger_than_its_columns_hold_is_refused_and_writes_nothing(
    user_client, address, category, put_in_cart
):
    dearest = ProductFactory(category=category, price=Decimal("99999999.99"), stock=200)
    second = ProductFactory(category=category, price=Decimal("99999999.99"), stock=99)
    put_in_cart(dearest, 99)
    put_in_cart(second, 99)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "order_too_large",
            "detail": "An order can total at most 9,999,999,999.99; take "
            "something out of your cart.",
            "attr": None,
        }
    ]
    assert_nothing_written(products=[dearest, second], cart_lines=2)


@pytest.mark.parametrize(
    ("price", "status", "total"),
    [("96200096.20", 201, "9999999999.99"), ("96200096.21", 400, None)],
)
def test_an_order_of_the_largest_total_is_recorded_and_one_cent_over_is_refused(
    user_client, address, category, put_in_cart, price, status, total
):
    put_in_cart(ProductFactory(category=category, price=Decimal(price), stock=99), 99)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == status
    # 99 x 96200096.20 is 9523809523.80; 5% of it is 476190476.19.
    recorded = Order.objects.values_list("total", flat=True)
    assert [str(amount) for amount in recorded] == ([total] if total else [])
