import pytest

from catalog.models import Category, Product

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_visible_categories_leave_out_inactive_subtrees(db):
    shown = CategoryFactory(name="Shown", slug="shown")
    hidden = CategoryFactory(name="Hidden", slug="hidden", is_active=False)
    CategoryFactory(parent=shown, name="Child", slug="child")
    under_hidden = CategoryFactory(parent=hidden, name="Under", slug="under")
    CategoryFactory(parent=under_hidden, name="Deep", slug="deep")

    visible = Category.objects.visible().values_list("slug", flat=True)

    assert sorted(visible) == ["child", "shown"]


def test_in_category_tree_takes_every_depth_below(category, child_category):
    grandchild = CategoryFactory(parent=child_category, name="Formal", slug="formal")
    other = CategoryFactory(name="Other", slug="other")
    for where in (category, child_category, grandchild, other):
        ProductFactory(category=where, slug=f"in-{where.slug}")

    found = Product.objects.in_category_tree(child_category).values_list(
        "slug", flat=True
    )

    assert sorted(found) == ["in-formal", "in-shirts"]


def test_on_sale_agrees_with_active_at_every_depth(db):
    root = CategoryFactory(name="Root", slug="root")
    hidden_root = CategoryFactory(name="Hidden", slug="hidden", is_active=False)
    hidden_child = CategoryFactory(parent=root, name="Off", slug="off", is_active=False)
    deep = CategoryFactory(parent=hidden_child, name="Deep", slug="deep")
    under_hidden_root = CategoryFactory(parent=hidden_root, name="Under", slug="under")
    products = {
        "sold": ProductFactory(category=root, slug="sold"),
        "switched-off": ProductFactory(
            category=root, slug="switched-off", is_active=False
        ),
        "in-hidden-root": ProductFactory(category=hidden_root, slug="in-hidden-root"),
        "in-hidden-child": ProductFactory(
            category=hidden_child, slug="in-hidden-child"
        ),
        "below-hidden-child": ProductFactory(category=deep, slug="below-hidden-child"),
        "below-hidden-root": ProductFactory(
            category=under_hidden_root, slug="below-hidden-root"
        ),
    }

    on_sale = dict(Product.objects.with_on_sale().values_list("slug", "on_sale"))
    active = set(Product.objects.active().values_list("slug", flat=True))

    assert on_sale == {slug: slug == "sold" for slug in products}
    assert active == {"sold"}
