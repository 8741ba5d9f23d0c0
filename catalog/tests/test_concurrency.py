"""
Catalog writes racing on PostgreSQL, where foreign keys are checked only
at commit: one write is held open while a request from another thread runs
into its locks, then the first commits.
"""

import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from catalog import services
from catalog.models import Category, Product

from .factories import CategoryFactory
from .holding import WAIT_SECONDS, wait_for_a_blocked_backend, while_holding

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_products_named_alike_at_the_same_moment_get_two_slugs(category):
    inserted = threading.Event()
    release = threading.Event()
    errors = []

    def create(*, hold):
        try:
            with transaction.atomic():
                services.create_product(
                    name="Same Name", category=category, price=Decimal("10.00")
                )
                if hold:
                    # Keep the first insert uncommitted while the second
                    # one picks the same slug and waits on the index.
                    inserted.set()
                    release.wait(WAIT_SECONDS)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=create, kwargs={"hold": True})
    second = threading.Thread(target=create, kwargs={"hold": False})
    first.start()
    assert inserted.wait(WAIT_SECONDS)
    second.start()
    wait_for_a_blocked_backend()
    release.set()
    first.join(WAIT_SECONDS)
    second.join(WAIT_SECONDS)

    assert errors == []
    assert sorted(Product.objects.values_list("slug", flat=True)) == [
        "same-name",
        "same-name-2",
    ]


def quiet(client):
    """`client`, answering a server error with a 500 instead of raising."""
    client.raise_request_exception = False
    return client


def errors(response):
    return [
        (error["attr"], error["code"], error["detail"])
        for error in response.json()["errors"]
    ]


def tree_is_sound():
    """True when treebeard finds no broken path, depth or child count."""
    return all(not problems for problems in Category.objects.find_problems())


def test_a_product_created_in_a_category_being_deleted_is_a_400(staff_client, db):
    doomed = CategoryFactory(name="Doomed", slug="doomed")

    response = while_holding(
        lambda: services.delete_category(category=doomed),
        lambda: quiet(staff_client).post(
            "/api/admin/products/",
            {"name": "Late Shirt", "price": "10.00", "category": doomed.pk},
            format="json",
        ),
    )

    assert response.status_code == 400
    assert errors(response) == [
        ("category", "does_not_exist", "This category no longer exists.")
    ]
    assert not Product.objects.exists()
    assert not Category.objects.exists()


def test_a_category_deleted_while_a_product_is_created_in_it_is_a_409(
    staff_client, category
):
    response = while_holding(
        lambda: services.create_product(
            name="First Shirt", category=category, price=Decimal("10.00")
        ),
        lambda: quiet(staff_client).delete(f"/api/admin/categories/{category.pk}/"),
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "category_has_products"
    assert response.json()["product_count"] == 1
    assert list(Product.objects.values_list("slug", "category")) == [
        ("first-shirt", category.pk)
    ]


def test_a_product_moved_to_a_category_being_deleted_is_a_400(
    staff_client, product, category
):
    doomed = CategoryFactory(name="Doomed", slug="doomed")
    before = Product.objects.values_list("category", "updated_at").get()

    response = while_holding(
        lambda: services.delete_category(category=doomed),
        lambda: quiet(staff_client).patch(
            f"/api/admin/products/{product.pk}/",
            {"category": doomed.pk},
            format="json",
        ),
    )

    assert response.status_code == 400
    assert errors(response) == [
        ("category", "does_not_exist", "This category no longer exists.")
    ]
    assert Product.objects.values_list("category", "updated_at").get() == before
    assert not Category.objects.filter(pk=doomed.pk).exists()


def test_a_move_crossing_a_concurrent_move_is_refused_and_the_tree_holds(
    staff_client, db
):
    left = CategoryFactory(name="Left", slug="left")
    right = CategoryFactory(name="Right", slug="right")

    response = while_holding(
        lambda: services.update_category(category=left, parent=right),
        lambda: quiet(staff_client).patch(
            f"/api/admin/categories/{right.pk}/", {"parent": left.pk}, format="json"
        ),
    )

    assert response.status_code == 400
    assert errors(response) == [
        (
            "parent",
            "invalid_move",
            "A category cannot be moved under itself or its descendants.",
        )
    ]
    assert list(Category.objects.values_list("slug", "depth")) == [
        ("right", 1),
        ("left", 2),
    ]
    assert tree_is_sound()


def test_an_admin_move_crossing_a_staff_api_move_is_refused(admin_client):
    left = CategoryFactory(name="Left", slug="left")
    right = CategoryFactory(name="Right", slug="right")

    response = while_holding(
        lambda: services.update_category(category=left, parent=right),
        lambda: admin_client.post(
            "/admin/catalog/category/move/",
            {"node": right.pk, "target": left.pk, "relation": "child"},
        ),
    )

    assert response.status_code == 400
    assert list(Category.objects.values_list("slug", "depth")) == [
        ("right", 1),
        ("left", 2),
    ]
    assert tree_is_sound()


def test_a_product_added_in_the_admin_to_a_category_being_deleted_is_refused(
    admin_client,
):
    doomed = CategoryFactory(name="Doomed", slug="doomed")

    response = while_holding(
        lambda: services.delete_category(category=doomed),
        lambda: quiet(admin_client).post(
            "/admin/catalog/product/add/",
            {
                "name": "Late Shirt",
                "slug": "late-shirt",
                "category": doomed.pk,
                "description": "",
                "price": "10.00",
                "stock": "0",
                "initial-stock": "0",
                "is_active": "on",
            },
        ),
    )

    # The form comes back with the error, instead of a server error when
    # the foreign key is checked at commit.
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "category": ["This category no longer exists."]
    }
    assert not Product.objects.exists()
    assert not Category.objects.exists()


def test_seed_demo_waits_for_a_staff_tree_write_and_then_adds_its_tree(db):
    result = while_holding(
        lambda: services.create_category(name="Held"),
        lambda: call_command("seed_demo", products=0, force=True, stdout=io.StringIO()),
    )

    assert result is None
    assert Category.objects.filter(slug="held").exists()
    assert Category.objects.count() > 1
    assert tree_is_sound()


@pytest.mark.parametrize("under", ["the root", "a parent"])
def test_two_categories_added_at_once_both_take_their_place(
    staff_client, category, child_category, under
):
    parent = category if under == "a parent" else None

    response = while_holding(
        lambda: services.create_category(name="Bags", parent=parent),
        lambda: quiet(staff_client).post(
            "/api/admin/categories/",
            {"name": "Aprons", "parent": parent and parent.pk},
            format="json",
        ),
    )

    assert response.status_code == 201
    siblings = (
        Category.objects.get_children(category)
        if parent
        else Category.objects.get_root_nodes()
    )
    assert [sibling.name for sibling in siblings] == [
        "Aprons",
        "Bags",
        "Shirts" if parent else "Clothing",
    ]
    assert tree_is_sound()


def test_a_category_deleted_twice_at_once_is_a_404_the_second_time(
    staff_client, category
):
    response = while_holding(
        lambda: services.delete_category(category=category),
        lambda: quiet(staff_client).delete(f"/api/admin/categories/{category.pk}/"),
    )

    assert response.status_code == 404
    assert not Category.objects.exists()
