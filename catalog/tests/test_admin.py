import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Category, Product

from .conftest import image_bytes, stored_files
from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_product_changelist_queries_do_not_grow_with_the_rows(admin_client, category):
    def queries_for_changelist():
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get("/admin/catalog/product/")
        assert response.status_code == 200
        return len(captured)

    for _ in range(3):
        ProductFactory(category=CategoryFactory())
    few = queries_for_changelist()
    for _ in range(20):
        ProductFactory(category=CategoryFactory())

    assert queries_for_changelist() == few


def test_low_stock_filter_lists_products_at_or_under_the_threshold(
    admin_client, category, settings
):
    settings.LOW_STOCK_THRESHOLD = 5
    ProductFactory(category=category, name="Plenty", stock=6)
    ProductFactory(category=category, name="Few Left", stock=5)
    ProductFactory(category=category, name="Sold Out", stock=0)

    low = admin_client.get("/admin/catalog/product/?stock_level=low")
    out = admin_client.get("/admin/catalog/product/?stock_level=out")

    assert [p.name for p in low.context["cl"].result_list] == ["Sold Out", "Few Left"]
    assert [p.name for p in out.context["cl"].result_list] == ["Sold Out"]


@pytest.mark.parametrize(
    ("action", "start", "expected"),
    [("deactivate", True, False), ("activate", False, True)],
)
def test_actions_switch_products_on_and_off(
    admin_client, category, action, start, expected
):
    chosen = ProductFactory(category=category, is_active=start)
    other = ProductFactory(category=category, is_active=start)
    before = chosen.updated_at

    response = admin_client.post(
        "/admin/catalog/product/",
        {"action": action, "_selected_action": [chosen.pk]},
    )

    assert response.status_code == 302
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.is_active, other.is_active) == (expected, start)
    assert chosen.updated_at > before


def test_category_actions_hide_a_category(admin_client, category):
    response = admin_client.post(
        "/admin/catalog/category/",
        {"action": "deactivate", "_selected_action": [category.pk]},
    )

    assert response.status_code == 302
    assert Category.objects.get(pk=category.pk).is_active is False


def test_price_and_stock_are_editable_in_the_list(admin_client, product):
    response = admin_client.post(
        "/admin/catalog/product/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(product.pk),
            "form-0-price": "149.50",
            "form-0-stock": "2",
            "initial-form-0-stock": str(product.stock),
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (str(product.price), product.stock) == ("149.50", 2)


def change_form(product, **changes):
    """The product's change form as the page posts it, with `changes`."""
    return {
        "name": product.name,
        "slug": product.slug,
        "category": product.category_id,
        "description": product.description,
        "price": str(product.price),
        "stock": str(product.stock),
        "initial-stock": str(product.stock),
        "is_active": "on",
        **changes,
    }


def test_a_price_edit_leaves_the_stock_a_checkout_took_meanwhile(admin_client, product):
    page = change_form(product, price="120.00")
    Product.objects.filter(pk=product.pk).update(stock=product.stock - 3)

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", page)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (str(product.price), product.stock) == ("120.00", 7)


def test_a_stock_edit_on_a_page_showing_old_stock_is_refused(admin_client, product):
    page = change_form(product, stock="25")
    Product.objects.filter(pk=product.pk).update(stock=product.stock - 3)

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", page)

    assert response.status_code == 200
    assert (
        "The stock moved from 10 to 7 since this page was loaded"
        in response.content.decode()
    )
    product.refresh_from_db()
    assert product.stock == 7


def test_a_list_edit_of_the_price_leaves_the_stock_a_checkout_took(
    admin_client, product
):
    shown = product.stock
    Product.objects.filter(pk=product.pk).update(stock=shown - 4)

    admin_client.post(
        "/admin/catalog/product/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(product.pk),
            "form-0-price": "99.00",
            "form-0-stock": str(shown),
            "initial-form-0-stock": str(shown),
            "_save": "Save",
        },
    )

    product.refresh_from_db()
    assert (str(product.price), product.stock) == ("99.00", shown - 4)


def test_product_form_shows_an_image_preview(admin_client, product, media_root):
    product.image.save("shirt.png", ContentFile(image_bytes()), save=True)

    response = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")

    assert response.status_code == 200
    assert f'src="/media/{product.image.name}"' in response.content.decode()


def test_category_admin_shows_the_tree_a_level_at_a_time(
    admin_client, category, child_category
):
    roots = admin_client.get("/admin/catalog/category/")
    children = admin_client.get(f"/admin/catalog/category/children/{category.pk}/")

    assert roots.status_code == 200
    assert [c.name for c in roots.context["cl"].result_list] == ["Clothing"]
    assert "Shirts" in children.json()["result_html"]


def test_admin_refuses_a_gif_upload(admin_client, category, media_root):
    gif = ContentFile(image_bytes("GIF"), name="anim.gif")

    response = admin_client.post(
        "/admin/catalog/product/add/",
        {
            "name": "Gif Shirt",
            "slug": "gif-shirt",
            "category": category.pk,
            "price": "10.00",
            "stock": "1",
            "is_active": "on",
            "image": gif,
        },
    )

    assert response.status_code == 200
    assert "Only JPEG, PNG and WebP images" in response.content.decode()
    assert not Product.objects.exists()


def test_a_list_edit_of_stock_shown_before_a_checkout_is_refused(admin_client, product):
    shown = product.stock
    Product.objects.filter(pk=product.pk).update(stock=shown - 4)

    response = admin_client.post(
        "/admin/catalog/product/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(product.pk),
            "form-0-price": str(product.price),
            "form-0-stock": "50",
            "initial-form-0-stock": str(shown),
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert "since this page was loaded" in response.content.decode()
    product.refresh_from_db()
    assert product.stock == shown - 4


def delete_page(category):
    return f"/admin/catalog/category/{category.pk}/delete/"


def delete_action(*categories):
    return {
        "action": "delete_selected",
        "_selected_action": [category.pk for category in categories],
        "post": "yes",
    }


def admin_messages(response):
    return [str(message) for message in response.context["messages"]]


def test_admin_refuses_to_delete_a_category_whose_child_holds_a_product(
    admin_client, category, child_category, product
):
    response = admin_client.post(delete_page(category), {"post": "yes"}, follow=True)

    assert response.redirect_chain == [
        (f"/admin/catalog/category/{category.pk}/change/", 302)
    ]
    assert admin_messages(response) == [
        "“Clothing” was not deleted. This category has subcategories; "
        "move or delete them first."
    ]
    assert sorted(Category.objects.values_list("slug", flat=True)) == [
        "clothing",
        "shirts",
    ]
    assert list(Product.objects.values_list("slug", flat=True)) == ["linen-shirt"]
    assert not LogEntry.objects.exists()


def test_admin_refuses_to_delete_a_category_with_an_empty_child(
    admin_client, category, child_category
):
    response = admin_client.post(delete_page(category), {"post": "yes"}, follow=True)

    assert admin_messages(response) == [
        "“Clothing” was not deleted. This category has subcategories; "
        "move or delete them first."
    ]
    assert Category.objects.count() == 2
    assert Category.objects.get(pk=category.pk).numchild == 1
    assert not LogEntry.objects.exists()


def test_admin_refuses_to_delete_a_category_holding_a_product(
    admin_client, child_category, product
):
    response = admin_client.post(
        delete_page(child_category), {"post": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert Category.objects.filter(pk=child_category.pk).exists()
    assert Product.objects.filter(pk=product.pk).exists()
    assert not LogEntry.objects.exists()


def test_admin_deletes_an_empty_leaf_category(admin_client, category, child_category):
    response = admin_client.post(delete_page(child_category), {"post": "yes"})

    assert response.status_code == 302
    assert list(Category.objects.values_list("slug", flat=True)) == ["clothing"]
    assert Category.objects.get(pk=category.pk).numchild == 0
    assert LogEntry.objects.get().object_repr == "Shirts"


def test_bulk_delete_refuses_a_category_whose_child_holds_a_product(
    admin_client, category, child_category, product
):
    response = admin_client.post(
        "/admin/catalog/category/", delete_action(category), follow=True
    )

    assert response.status_code == 200
    assert admin_messages(response) == [
        "No category was deleted, because of “Clothing”. This category has "
        "subcategories; move or delete them first."
    ]
    assert Category.objects.count() == 2
    assert Product.objects.filter(pk=product.pk).exists()
    assert not LogEntry.objects.exists()


def test_bulk_delete_of_an_empty_and_a_full_category_deletes_neither(
    admin_client, category, child_category
):
    empty = CategoryFactory(name="Empty", slug="empty")

    response = admin_client.post(
        "/admin/catalog/category/", delete_action(empty, category), follow=True
    )

    assert admin_messages(response) == [
        "No category was deleted, because of “Clothing”. This category has "
        "subcategories; move or delete them first."
    ]
    assert sorted(Category.objects.values_list("slug", flat=True)) == [
        "clothing",
        "empty",
        "shirts",
    ]
    assert not LogEntry.objects.exists()


def test_bulk_delete_of_a_parent_with_its_only_child_deletes_both(
    admin_client, category, child_category
):
    other = CategoryFactory(name="Other", slug="other")

    response = admin_client.post(
        "/admin/catalog/category/",
        delete_action(category, child_category),
        follow=True,
    )

    assert admin_messages(response) == ["Successfully deleted 2 categories."]
    assert list(Category.objects.values_list("pk", flat=True)) == [other.pk]
    assert LogEntry.objects.count() == 2


def test_admin_delete_of_a_product_removes_its_image_after_commit(
    admin_client, product, media_root, django_capture_on_commit_callbacks
):
    product.image.save("shirt.png", ContentFile(image_bytes()), save=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"}
        )

    assert response.status_code == 302
    assert not Product.objects.exists()
    assert stored_files(media_root) == []


def test_admin_bulk_delete_of_products_removes_their_images_after_commit(
    admin_client, category, media_root, django_capture_on_commit_callbacks
):
    chosen = [ProductFactory(category=category) for _ in range(2)]
    kept = ProductFactory(category=category)
    for product in [*chosen, kept]:
        product.image.save(f"{product.slug}.png", ContentFile(image_bytes()))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/catalog/product/",
            {
                "action": "delete_selected",
                "_selected_action": [product.pk for product in chosen],
                "post": "yes",
            },
        )

    assert response.status_code == 302
    assert list(Product.objects.values_list("pk", flat=True)) == [kept.pk]
    assert stored_files(media_root) == [kept.image.name]


def test_admin_adds_a_category_under_a_parent_in_name_order(
    admin_client, category, child_category
):
    response = admin_client.post(
        "/admin/catalog/category/add/",
        {
            "name": "Aprons",
            "slug": "aprons",
            "theme": "",
            "is_active": "on",
            "treebeard_position": "sorted-child",
            "treebeard_ref_node": category.pk,
        },
    )

    assert response.status_code == 302
    assert [c.slug for c in Category.objects.get_children(category)] == [
        "aprons",
        "shirts",
    ]


def test_admin_moves_a_category_by_drag_and_drop(
    admin_client, category, child_category
):
    other = CategoryFactory(name="Other", slug="other")

    response = admin_client.post(
        "/admin/catalog/category/move/",
        {"node": child_category.pk, "target": other.pk, "relation": "child"},
    )

    assert response.status_code == 200
    assert list(Category.objects.values_list("slug", "depth")) == [
        ("clothing", 1),
        ("other", 1),
        ("shirts", 2),
    ]
    assert Category.objects.get_parent(Category.objects.get(slug="shirts")) == other
