import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Address, User
from catalog.models import Category, Product
from coupons.models import Coupon

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {
        "categories": Category.objects.count(),
        "products": Product.objects.count(),
        "with_images": Product.objects.exclude(image="").exclude(image=None).count(),
        "users": User.objects.count(),
        "addresses": Address.objects.count(),
        "coupons": Coupon.objects.count(),
    }


@pytest.fixture
def debug_on(settings, media_root):
    settings.DEBUG = True
    return media_root


def test_seed_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()

    assert not Category.objects.exists()
    assert not User.objects.exists()


def test_seed_loads_the_demo_catalog_and_logins(debug_on):
    output = seed()

    assert Category.objects.filter(depth=1).count() == 5
    assert Category.objects.filter(depth__gt=1).count() == 18
    assert Product.objects.count() == 200
    assert Product.objects.filter(stock__gt=0).count() > 150
    assert counts()["with_images"] == 24
    assert len(stored_files(debug_on)) == 24
    customer = User.objects.get(email="customer@ravoos.example")
    assert customer.check_password("pansy-demo-customer")
    assert not customer.is_staff
    assert customer.addresses.get().is_default
    staff = User.objects.get(email="admin@ravoos.example")
    assert staff.check_password("pansy-demo-admin")
    assert staff.is_staff
    assert "customer@ravoos.example / pansy-demo-customer" in output
    assert "admin@ravoos.example / pansy-demo-admin" in output


def test_seeded_prices_are_whole_rupees_from_the_demo_price_list(debug_on):
    seed("--products", "60")

    prices = set(Product.objects.values_list("price", flat=True))

    assert prices <= {
        Decimal(rupees)
        for rupees in (99, 149, 199, 249, 299, 499, 799, 999, 1499, 2499, 4999)
    }
    assert len(prices) > 5
    assert all(str(price).endswith(".00") for price in prices)


def test_seed_says_so_when_a_demo_password_was_changed(debug_on):
    seed("--products", "0")
    customer = User.objects.get(email="customer@ravoos.example")
    customer.set_password("a-password-of-their-own")
    customer.save()

    output = seed("--products", "0")

    assert (
        "customer@ravoos.example / (password changed since it was created; "
        "left as it is)" in output
    )
    assert "admin@ravoos.example / pansy-demo-admin" in output


def test_seed_creates_a_fixed_and_a_percent_coupon(debug_on):
    seed("--products", "0")

    welcome = Coupon.objects.by_code("welcome100").get()
    save10 = Coupon.objects.by_code("SAVE10").get()
    assert (welcome.kind, str(welcome.value), str(welcome.min_subtotal)) == (
        "fixed",
        "100.00",
        "500.00",
    )
    assert (save10.kind, str(save10.value), str(save10.max_discount)) == (
        "percent",
        "10.00",
        "250.00",
    )


def test_seed_twice_adds_nothing_the_second_time(debug_on):
    seed()
    first = counts()
    first_slugs = set(Product.objects.values_list("slug", flat=True))

    output = seed()

    assert counts() == first
    assert set(Product.objects.values_list("slug", flat=True)) == first_slugs
    assert len(stored_files(debug_on)) == 24
    assert "all 200 demo products already exist" in output


def test_seed_with_more_products_adds_only_the_missing_ones(debug_on):
    seed("--products", "50")
    first_fifty = set(Product.objects.values_list("slug", flat=True))

    output = seed("--products", "2500")

    assert Product.objects.count() == 2500
    assert first_fifty <= set(Product.objects.values_list("slug", flat=True))
    assert "Products: 2000/2450 inserted (81%)" in output
    assert "Products: 2450/2450 inserted (100%)" in output


def test_seed_leaves_an_existing_password_alone(debug_on):
    seed("--products", "0")
    customer = User.objects.get(email="customer@ravoos.example")
    customer.set_password("changed-by-the-user")
    customer.save()

    seed("--products", "0")

    customer.refresh_from_db()
    assert customer.check_password("changed-by-the-user")


def test_seed_runs_with_debug_off_when_forced(settings, media_root):
    settings.DEBUG = False

    seed("--force", "--products", "5")

    assert Product.objects.count() == 5


def test_seed_refuses_a_negative_product_count(debug_on):
    with pytest.raises(CommandError, match="zero or more"):
        seed("--products", "-1")

    assert not Product.objects.exists()
