import json
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from cart.models import CartItem
from catalog.models import Product
from orders.models import Order, OrderLine

from .conftest import image_bytes, stored_files
from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PNG = "image/png"


def errors(response):
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def upload(name, content, content_type=PNG):
    return SimpleUploadedFile(name, content, content_type=content_type)


def new_product(in_category, **overrides):
    return {
        "name": "Linen Kurta",
        "description": "Light and cool.",
        "price": "1499.00",
        "stock": 7,
        "category": in_category.pk,
        **overrides,
    }


# --- Permissions ------------------------------------------------------------


def staff_routes(product_id, category_id):
    return [
        ("get", "/api/admin/products/"),
        ("post", "/api/admin/products/"),
        ("get", f"/api/admin/products/{product_id}/"),
        ("put", f"/api/admin/products/{product_id}/"),
        ("patch", f"/api/admin/products/{product_id}/"),
        ("delete", f"/api/admin/products/{product_id}/"),
        ("delete", f"/api/admin/products/{product_id}/delete/"),
        ("get", "/api/admin/categories/"),
        ("post", "/api/admin/categories/"),
        ("get", f"/api/admin/categories/{category_id}/"),
        ("put", f"/api/admin/categories/{category_id}/"),
        ("patch", f"/api/admin/categories/{category_id}/"),
        ("delete", f"/api/admin/categories/{category_id}/"),
    ]


ROUTE_COUNT = 13


@pytest.mark.parametrize("route", range(ROUTE_COUNT))
@pytest.mark.parametrize(
    ("client_name", "status_code", "code"),
    [
        ("api_client", 401, "not_authenticated"),
        ("user_client", 403, "permission_denied"),
    ],
)
def test_staff_routes_refuse_guests_and_customers_and_change_nothing(
    request, product, route, client_name, status_code, code
):
    client = request.getfixturevalue(client_name)
    empty = CategoryFactory(name="Empty", slug="empty")
    method, path = staff_routes(product.pk, empty.pk)[route]
    before = list(Product.objects.values()), list(empty.__class__.objects.values())

    response = getattr(client, method)(
        path, {"name": "Changed", "price": "1.00", "stock": 1}, format="json"
    )

    assert response.status_code == status_code
    assert errors(response) == [(None, code)]
    after = list(Product.objects.values()), list(empty.__class__.objects.values())
    assert after == before


@pytest.mark.parametrize("route", range(ROUTE_COUNT))
def test_staff_routes_let_staff_in(staff_client, product, media_root, route):
    empty = CategoryFactory(name="Empty", slug="empty")
    method, path = staff_routes(product.pk, empty.pk)[route]
    body = (
        new_product(product.category)
        if "products" in path
        else {"name": "Renamed", "theme": "teal"}
    )

    if method == "get":
        response = staff_client.get(path)
    else:
        response = getattr(staff_client, method)(path, body, format="json")

    expected = {"get": 200, "post": 201, "put": 200, "patch": 200, "delete": 204}
    assert response.status_code == expected[method]


# --- Reading ----------------------------------------------------------------


def test_staff_list_includes_inactive_products_and_categories(staff_client, product):
    hidden_category = CategoryFactory(name="Old", slug="old", is_active=False)
    retired = ProductFactory(slug="retired", is_active=False)
    shelved = ProductFactory(slug="shelved", category=hidden_category)

    response = staff_client.get("/api/admin/products/?ordering=name")

    assert response.status_code == 200
    assert {p["slug"] for p in response.json()["results"]} == {
        "linen-shirt",
        "retired",
        "shelved",
    }
    assert retired.pk in [p["id"] for p in response.json()["results"]]
    assert shelved.category.slug == "old"


def test_staff_list_filters_by_is_active_and_any_category(staff_client, product):
    hidden_category = CategoryFactory(name="Old", slug="old", is_active=False)
    ProductFactory(slug="retired", is_active=False)
    ProductFactory(slug="shelved", category=hidden_category)

    inactive = staff_client.get("/api/admin/products/?is_active=false")
    in_hidden = staff_client.get("/api/admin/products/?category=old")

    assert [p["slug"] for p in inactive.json()["results"]] == ["retired"]
    assert [p["slug"] for p in in_hidden.json()["results"]] == ["shelved"]


def test_staff_product_body_adds_updated_at(staff_client, product):
    response = staff_client.get(f"/api/admin/products/{product.pk}/")

    assert set(response.json()) == {
        "id",
        "name",
        "slug",
        "description",
        "price",
        "stock",
        "in_stock",
        "image",
        "category",
        "is_active",
        "created_at",
        "updated_at",
    }


@pytest.mark.parametrize("page_size", [5, 100])
def test_staff_list_queries_do_not_grow_with_the_page(
    staff_client, category, django_assert_max_num_queries, page_size
):
    for _ in range(40):
        ProductFactory(category=category)

    # Two for the token and its user, then the same four as the public list.
    with django_assert_max_num_queries(6):
        response = staff_client.get(
            f"/api/admin/products/?page_size={page_size}&category={category.slug}"
        )

    assert len(response.json()["results"]) == min(page_size, 40)


# --- Creating ---------------------------------------------------------------


def test_staff_create_a_product_from_json(staff_client, child_category):
    response = staff_client.post(
        "/api/admin/products/", new_product(child_category), format="json"
    )

    assert response.status_code == 201
    product = Product.objects.get()
    assert response.json() == {
        "id": product.pk,
        "name": "Linen Kurta",
        "slug": "linen-kurta",
        "description": "Light and cool.",
        "price": "1499.00",
        "stock": 7,
        "in_stock": True,
        "image": None,
        "category": {"id": child_category.pk, "name": "Shirts", "slug": "shirts"},
        "is_active": True,
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }


def test_a_generated_slug_gets_a_number_when_the_name_is_taken(staff_client, category):
    for _ in range(3):
        staff_client.post("/api/admin/products/", new_product(category), format="json")

    assert sorted(Product.objects.values_list("slug", flat=True)) == [
        "linen-kurta",
        "linen-kurta-2",
        "linen-kurta-3",
    ]


def test_a_name_with_no_latin_letters_still_gets_a_slug(staff_client, category):
    response = staff_client.post(
        "/api/admin/products/", new_product(category, name="चाय"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["slug"] == "product"


def test_a_given_slug_that_is_taken_is_a_400(staff_client, product):
    response = staff_client.post(
        "/api/admin/products/",
        new_product(product.category, slug="linen-shirt"),
        format="json",
    )

    assert response.status_code == 400
    assert errors(response) == [("slug", "unique")]
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"price": "0"}, [("price", "min_value")]),
        ({"price": "-5.00"}, [("price", "min_value")]),
        ({"price": "10.005"}, [("price", "max_decimal_places")]),
        ({"price": "abc"}, [("price", "invalid")]),
        ({"price": "NaN"}, [("price", "invalid")]),
        ({"price": "123456789.00"}, [("price", "max_digits")]),
        ({"stock": -1}, [("stock", "min_value")]),
        ({"stock": 1.5}, [("stock", "invalid")]),
        ({"stock": 10**12}, [("stock", "max_value")]),
        ({"category": 987654}, [("category", "does_not_exist")]),
        ({"category": "shirts"}, [("category", "incorrect_type")]),
        ({"category": 1.5}, [("category", "incorrect_type")]),
        ({"category": True}, [("category", "incorrect_type")]),
        ({"name": ""}, [("name", "blank")]),
        ({"name": "x" * 201}, [("name", "max_length")]),
        ({"slug": "not a slug"}, [("slug", "invalid")]),
    ],
)
def test_bad_product_fields_are_a_400_and_nothing_is_created(
    staff_client, category, overrides, expected
):
    response = staff_client.post(
        "/api/admin/products/", new_product(category, **overrides), format="json"
    )

    assert response.status_code == 400
    assert errors(response) == expected
    assert not Product.objects.exists()


def test_an_infinite_category_id_is_a_400_not_a_server_error(staff_client, category):
    # 1e309 is a JSON number that Python reads as infinity.
    body = json.dumps(new_product(category)).replace(
        f'"category": {category.pk}', '"category": 1e309'
    )

    response = staff_client.post(
        "/api/admin/products/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert errors(response) == [("category", "incorrect_type")]
    assert not Product.objects.exists()


def test_a_json_list_instead_of_an_object_is_a_400(staff_client, category):
    response = staff_client.post(
        "/api/admin/products/", [new_product(category)], format="json"
    )

    assert response.status_code == 400
    assert not Product.objects.exists()


# --- Images -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "name", "content_type"),
    [
        ("PNG", "kurta.png", "image/png"),
        ("JPEG", "kurta.jpg", "image/jpeg"),
        ("WEBP", "kurta.webp", "image/webp"),
    ],
)
def test_staff_upload_a_real_image_with_multipart(
    staff_client, category, media_root, image_format, name, content_type
):
    image = upload(name, image_bytes(image_format), content_type)

    response = staff_client.post(
        "/api/admin/products/",
        new_product(category, image=image),
        format="multipart",
    )

    assert response.status_code == 201
    product = Product.objects.get()
    assert product.image.name.startswith("products/")
    assert response.json()["image"] == f"http://testserver/media/{product.image.name}"
    assert stored_files(media_root) == [product.image.name]


def test_an_upload_is_stored_under_a_generated_name(staff_client, category, media_root):
    long_name = "../" + "very-long-holiday-photo-" * 8 + ".PNG"

    response = staff_client.post(
        "/api/admin/products/",
        new_product(category, image=upload(long_name, image_bytes())),
        format="multipart",
    )

    assert response.status_code == 201
    name = Product.objects.get().image.name
    assert re.fullmatch(r"products/\d{4}/\d{2}/[0-9a-f]{32}\.png", name)
    assert stored_files(media_root) == [name]


def test_a_multipart_create_without_is_active_makes_an_active_product(
    staff_client, category, media_root
):
    response = staff_client.post(
        "/api/admin/products/",
        new_product(category, image=upload("k.png", image_bytes())),
        format="multipart",
    )

    assert response.json()["is_active"] is True
    assert Product.objects.get().is_active is True


def test_a_multipart_patch_without_is_active_leaves_it_alone(staff_client, product):
    Product.objects.filter(pk=product.pk).update(is_active=False)

    response = staff_client.patch(
        f"/api/admin/products/{product.pk}/", {"stock": "4"}, format="multipart"
    )

    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.stock, product.is_active) == (4, False)


@pytest.mark.parametrize(
    ("image", "code"),
    [
        (upload("notes.png", b"just some text, not a picture"), "invalid_image"),
        (
            upload("anim.gif", image_bytes("GIF"), "image/gif"),
            "unsupported_image_format",
        ),
        (
            upload("anim.png", image_bytes("GIF")),
            "unsupported_image_format",
        ),
        (
            upload("huge.png", image_bytes("PNG") + b"\0" * (5 * 1024 * 1024)),
            "image_too_large",
        ),
        (upload("empty.png", b""), "empty"),
    ],
    ids=["text-named-png", "gif", "gif-named-png", "over-5-mb", "empty"],
)
def test_an_upload_that_is_not_an_accepted_image_is_a_400_and_stores_nothing(
    staff_client, category, media_root, image, code
):
    response = staff_client.post(
        "/api/admin/products/",
        new_product(category, image=image),
        format="multipart",
    )

    assert response.status_code == 400
    assert errors(response) == [("image", code)]
    assert not Product.objects.exists()
    assert stored_files(media_root) == []


def test_a_refused_image_on_update_keeps_the_old_one(staff_client, product, media_root):
    product.image.save("old.png", ContentFile(image_bytes()), save=True)
    old_name = product.image.name

    response = staff_client.patch(
        f"/api/admin/products/{product.pk}/",
        {"image": upload("bad.png", b"not an image")},
        format="multipart",
    )

    assert response.status_code == 400
    product.refresh_from_db()
    assert product.image.name == old_name
    assert stored_files(media_root) == [old_name]


def test_replacing_an_image_removes_the_old_file_after_commit(
    staff_client, product, media_root, django_capture_on_commit_callbacks
):
    product.image.save("old.png", ContentFile(image_bytes()), save=True)
    old_name = product.image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(
            f"/api/admin/products/{product.pk}/",
            {"image": upload("new.png", image_bytes())},
            format="multipart",
        )

    assert response.status_code == 200
    product.refresh_from_db()
    assert product.image.name != old_name
    assert stored_files(media_root) == [product.image.name]


def test_patching_image_to_null_removes_it(
    staff_client, product, media_root, django_capture_on_commit_callbacks
):
    product.image.save("old.png", ContentFile(image_bytes()), save=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(
            f"/api/admin/products/{product.pk}/", {"image": None}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["image"] is None
    assert stored_files(media_root) == []


# --- Updating ---------------------------------------------------------------


def test_staff_put_replaces_the_fields(staff_client, product, category):
    response = staff_client.put(
        f"/api/admin/products/{product.pk}/",
        new_product(category, name="Silk Shirt", stock=0, is_active=False),
        format="json",
    )

    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.name, product.stock, product.is_active, product.category_id) == (
        "Silk Shirt",
        0,
        False,
        category.pk,
    )
    # The slug stays, so links to the product keep working.
    assert product.slug == "linen-shirt"


def test_put_without_a_required_field_is_a_400_and_changes_nothing(
    staff_client, product
):
    response = staff_client.put(
        f"/api/admin/products/{product.pk}/", {"name": "Silk Shirt"}, format="json"
    )

    assert response.status_code == 400
    assert sorted(errors(response)) == [
        ("category", "required"),
        ("price", "required"),
    ]
    product.refresh_from_db()
    assert product.name == "Linen Shirt"


def test_a_price_edit_does_not_overwrite_stock_moved_meanwhile(staff_client, product):
    # A checkout takes stock after staff loaded the product, before they save.
    Product.objects.filter(pk=product.pk).update(stock=3)

    response = staff_client.patch(
        f"/api/admin/products/{product.pk}/", {"price": "120.00"}, format="json"
    )

    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.price, product.stock) == (Decimal("120.00"), 3)


def test_patch_with_a_bad_price_changes_nothing(staff_client, product):
    response = staff_client.patch(
        f"/api/admin/products/{product.pk}/",
        {"price": "-1", "name": "Cheap"},
        format="json",
    )

    assert response.status_code == 400
    product.refresh_from_db()
    assert (product.name, product.price) == ("Linen Shirt", Decimal("100.00"))


def test_unknown_product_is_a_404_for_staff(staff_client, db):
    response = staff_client.patch(
        "/api/admin/products/987654/", {"price": "1.00"}, format="json"
    )

    assert response.status_code == 404


# --- Deleting ---------------------------------------------------------------


@pytest.fixture
def sold_product(product, user):
    """The product in a customer's cart and on one of their past orders."""
    CartItem.objects.create(user=user, product=product, quantity=2)
    order = Order.objects.create(
        user=user,
        shipping_full_name="A Customer",
        shipping_phone="+919800000000",
        shipping_street="1 Main Road",
        shipping_city="Pune",
        shipping_state="Maharashtra",
        shipping_pincode="411001",
        shipping_address="A Customer, 1 Main Road, Pune",
        subtotal=Decimal("200.00"),
        gst_rate=Decimal("0.05"),
        gst=Decimal("10.00"),
        total=Decimal("210.00"),
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        product_name="Linen Shirt",
        unit_price=Decimal("100.00"),
        quantity=2,
        line_total=Decimal("200.00"),
    )
    return product


@pytest.mark.parametrize(
    "path", ["/api/admin/products/{pk}/", "/api/admin/products/{pk}/delete/"]
)
def test_deleting_a_product_empties_it_from_carts_and_keeps_past_orders(
    staff_client, sold_product, path
):
    response = staff_client.delete(path.format(pk=sold_product.pk))

    assert response.status_code == 204
    assert not Product.objects.filter(pk=sold_product.pk).exists()
    assert not CartItem.objects.exists()
    line = OrderLine.objects.get()
    assert (line.product_id, line.product_name, line.unit_price, line.quantity) == (
        None,
        "Linen Shirt",
        Decimal("100.00"),
        2,
    )
    assert Order.objects.get().total == Decimal("210.00")


def test_deleting_a_product_removes_its_image_after_commit(
    staff_client, product, media_root, django_capture_on_commit_callbacks
):
    product.image.save("shirt.png", ContentFile(image_bytes()), save=True)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.delete(f"/api/admin/products/{product.pk}/")

    assert stored_files(media_root) == []


def test_deleting_an_unknown_product_is_a_404(staff_client, db):
    response = staff_client.delete("/api/admin/products/987654/delete/")

    assert response.status_code == 404
