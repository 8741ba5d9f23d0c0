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
