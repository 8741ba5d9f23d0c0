import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect
from rest_framework import status

from accounts.tests.factories import StaffFactory
from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png_image(colour, size=(96, 96)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_served_from_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "ravoos_pansy.tests.browser.urls"


@pytest.fixture
def staff_member(db):
    """A staff member (not a superuser) who runs the catalog and orders."""
    member = StaffFactory(email="asha@ravoos.example", name="Asha Rao")
    member.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["catalog", "orders"])
    )
    return member


@pytest.fixture
def furniture(db):
    return CategoryFactory(name="Furniture", slug="furniture")


def log_in_to_admin(page, user, password):
    page.goto("/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text(user.email)


def add_category_in_admin(page, *, name, parent):
    page.goto("/admin/catalog/category/add/")
    page.get_by_label("Name").press_sequentially(name)
    page.get_by_label("Position").select_option(label="Child of")
    page.get_by_label("Relative to").select_option(value=str(parent.pk))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text(name)


def add_product_in_admin(page, *, name, category, price, stock, image):
    page.goto("/admin/catalog/product/add/")
    page.get_by_label("Name").press_sequentially(name)
    # The category is an autocomplete box: open it, search, pick.
    page.locator("#id_category + .select2").click()
    page.locator(".select2-search__field").fill(category)
    page.locator(".select2-results__option", has_text=category).click()
    page.get_by_label("Description").fill("A dining chair in solid teak.")
    page.get_by_label("Price").fill(price)
    page.get_by_label("Stock").fill(str(stock))
    page.locator("#id_image").set_input_files(
        {"name": "product.png", "mimeType": "image/png", "buffer": image}
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text(name)


def test_staff_add_a_subcategory_and_a_product_with_an_image_in_the_admin(
    page, live_server, staff_member, password, furniture, save_screenshot
):
    image = png_image("#b5651d")

    log_in_to_admin(page, staff_member, password)
    add_category_in_admin(page, name="Chairs", parent=furniture)
    add_product_in_admin(
        page,
        name="Teak Chair",
        category="Chairs",
        price="249.00",
        stock=12,
        image=image,
    )

    # The admin's script filled both slugs in from the names as they were typed.
    chairs = Category.objects.get(slug="chairs")
    assert Category.objects.get_parent(chairs) == furniture
    chair = Product.objects.get(slug="teak-chair")
    assert (chair.category, chair.price, chair.stock, chair.is_active) == (
        chairs,
        Decimal("249.00"),
        12,
        True,
    )
    with chair.image.open("rb") as stored:
        assert stored.read() == image

    # The storefront finds it under the parent category, image included.
    response = page.request.get(f"{live_server.url}/api/products/?category=furniture")
    assert response.status == status.HTTP_200_OK
    [listed] = response.json()["results"]
    assert (listed["id"], listed["name"], listed["price"], listed["stock"]) == (
        chair.pk,
        "Teak Chair",
        "249.00",
        12,
    )
    assert listed["category"] == {"id": chairs.pk, "name": "Chairs", "slug": "chairs"}
    assert page.request.get(listed["image"]).body() == image

    stock_the_shop_window(chairs=chairs, furniture=furniture, newest=chair)
    page.set_viewport_size({"width": 1600, "height": 720})
    page.goto("/admin/catalog/product/")
    expect(page.locator("#result_list .field-thumbnail img")).to_have_count(4)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#result_list img'))"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    save_screenshot(page, "admin-products")


def stock_the_shop_window(*, chairs, furniture, newest):
    """
    A few more products for the screenshot, and fixed creation times so that
    the picture is the same from one run to the next.
    """
    lighting = CategoryFactory(name="Lighting", slug="lighting")
    others = [
        ("Walnut Side Table", furniture, "5999.00", 0, "#5d3a1a"),
        ("Cane Stool", chairs, "1299.00", 25, "#d2b48c"),
        ("Brass Floor Lamp", lighting, "3499.00", 4, "#c9a227"),
    ]
    products = [
        ProductFactory(
            name=name,
            category=category,
            price=Decimal(price),
            stock=stock,
            image=SimpleUploadedFile("product.png", png_image(colour)),
        )
        for name, category, price, stock, colour in others
    ]
    for day, product in enumerate([*products, newest], start=2):
        created_at = datetime(
            2026, 3, day, 10, 30, tzinfo=timezone.get_current_timezone()
        )
        Product.objects.filter(pk=product.pk).update(created_at=created_at)


@pytest.fixture
def customer_api(api_client):
    """An API client for a customer who signed up through the API."""
    signup = api_client.post(
        "/api/auth/signup/",
        {
            "email": "meera@example.com",
            "name": "Meera Iyer",
            "password": "marigold-veranda-42",
        },
        format="json",
    )
    assert signup.status_code == status.HTTP_201_CREATED
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {signup.json()['token']}")
    return api_client


@pytest.fixture
def delivery_address_id(customer_api):
    response = customer_api.post(
        "/api/auth/addresses/",
        {
            "full_name": "Meera Iyer",
            "phone": "+919800000001",
            "street": "12 Lake Road",
            "city": "Pune",
            "state": "Maharashtra",
            "pincode": "411001",
        },
        format="json",
    )
    assert response.status_code == status.HTTP_201_CREATED
    return response.json()["id"]


def check_out_through_api(client, *, product, quantity, address_id):
    added = client.post(
        "/api/cart/add/",
        {"product_id": product.pk, "quantity": quantity},
        format="json",
    )
    assert added.status_code == status.HTTP_200_OK
    checkout = client.post(
        "/api/orders/checkout/", {"address_id": address_id}, format="json"
    )
    assert checkout.status_code == status.HTTP_201_CREATED
    assert checkout.json()["status"] == "placed"
    return checkout.json()["id"]


def test_staff_move_an_order_to_packing_with_the_admin_action(
    page, staff_member, password, customer_api, delivery_address_id
):
    teak_chair = ProductFactory(name="Teak Chair", price=Decimal("249.00"), stock=12)
    order_id = check_out_through_api(
        customer_api, product=teak_chair, quantity=2, address_id=delivery_address_id
    )
    other_order_id = check_out_through_api(
        customer_api, product=teak_chair, quantity=1, address_id=delivery_address_id
    )

    log_in_to_admin(page, staff_member, password)
    page.goto("/admin/orders/order/")
    row = page.locator(
        "#result_list tbody tr",
        has=page.locator(f'input.action-select[value="{order_id}"]'),
    )
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("move_to_next_status")
    page.locator(".actions").get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(row.locator(".field-status")).to_have_text("Packing")

    bill = customer_api.get(f"/api/orders/{order_id}/")
    assert bill.status_code == status.HTTP_200_OK
    assert bill.json()["status"] == "packing"
    history = bill.json()["status_history"]
    assert [(step["from_status"], step["to_status"]) for step in history] == [
        (None, "placed"),
        ("placed", "packing"),
    ]
    assert history[-1]["changed_by"] == {
        "id": staff_member.pk,
        "name": "Asha Rao",
        "role": "admin",
    }
    # The order that was not ticked stays where it was.
    other = Order.objects.get(pk=other_order_id)
    assert other.status == "placed"
    assert other.status_history.count() == 1
