"""
Read paths of the catalog: what the public sees and what staff manage.

Every function here answers in a fixed number of queries, whatever the size
of the catalog: the list and tree views are budgeted in queries and the
tests hold them to it.
"""

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Length, Substr

from .models import Category, Product

# The columns a product body needs; `.only()` keeps long unused columns
# (and any added later) out of the list query.
PRODUCT_COLUMNS = (
    "id",
    "name",
    "slug",
    "description",
    "price",
    "stock",
    "image",
    "is_active",
    "created_at",
    "updated_at",
    "category__id",
    "category__name",
    "category__slug",
)

_NODE_COLUMNS = ("id", "name", "slug", "theme", "path", "depth", "is_active")


def public_products():
    """Products the public may see, with their category, in one query."""
    return Product.objects.active().select_related("category").only(*PRODUCT_COLUMNS)


def staff_products():
    """Every product, active or not, with its category, in one query."""
    return Product.objects.select_related("category").only(*PRODUCT_COLUMNS)


def category_tree():
    """
    The visible category tree as a list of root categories, each with its
    visible children in `tree_children` (recursively), in name order.

    One query, ordered by path, so a parent always comes before its
    children: a category whose parent was not kept (inactive, or under an
    inactive ancestor) is dropped with its whole subtree.
    """
    roots = []
    kept = {}
    for node in Category.objects.filter(is_active=True).only(*_NODE_COLUMNS):
        node.tree_children = []
        if node.depth == 1:
            roots.append(node)
        else:
            parent = kept.get(node.parent_path)
            if parent is None:
                continue
            parent.tree_children.append(node)
        kept[node.path] = node
    return roots


def visible_category(*, slug):
    """
    The visible category with this slug, with `breadcrumb` (its ancestors,
    the root first) and `visible_children` filled in; two queries.

    Raises `Category.DoesNotExist` for an unknown, inactive or hidden slug.
    """
    category = Category.objects.visible().only(*_NODE_COLUMNS).get(slug=slug)

    family = Category.objects.filter(
        Q(path__in=category.ancestor_paths)
        | Q(path__startswith=category.path, depth=category.depth + 1, is_active=True)
    ).only(*_NODE_COLUMNS)
    category.breadcrumb = []
    category.visible_children = []
    for node in family:
        if node.depth < category.depth:
            category.breadcrumb.append(node)
        else:
            category.visible_children.append(node)
    return category


def staff_categories():
    """
    Every category in tree order, each annotated with `parent_id` (None for
    a root) by a subquery on the parent's path, so a page is one query.
    """
    parent = Category.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Category.steplen)
    )
    return Category.objects.annotate(
        parent_id=Subquery(parent.values("id")[:1]),
    )
