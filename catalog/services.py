"""
Write paths of the catalog: products and the category tree for the staff
API, and stock for checkout and cancellation.

Slugs are made from the name when none is given and kept unique by a
numbered suffix; a clash with a concurrent writer is retried, never shown
as a 500. Image files replaced or orphaned by a change are removed from
storage only once the change has committed.

Foreign keys are checked at commit on PostgreSQL, so a row that a write
points at is locked first: a concurrent delete then either waits for the
write and sees it, or has already gone and the write answers 400 or 404
instead of failing at commit. Locks are taken in one order everywhere:
cart lines, then products, then categories. Writes to the category tree
queue behind one table lock (`lock_category_tree`).
"""

import logging
from itertools import count

from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, ProtectedError, Value, When
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.exceptions import NotFound
from treebeard.exceptions import InvalidMoveToDescendant, PathOverflow

from ravoos_pansy.errors import Conflict, DomainValidationError

from . import caching
from .models import Category, Product

logger = logging.getLogger(__name__)

SLUG_ATTEMPTS = 3
CATEGORY_GONE = "This category no longer exists."


def free_slug(*, model, name):
    """A slug for `name` that no row of `model` uses yet."""
    max_length = model._meta.get_field("slug").max_length
    base = slugify(name)[: max_length - 8].strip("-") or model._meta.model_name
    taken = set(
        model.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in count(2) if f"{base}-{n}" not in taken)


def _save_with_slug(*, instance, slug, save):
    """
    Runs `save()` with `instance.slug` set to `slug`, or to a free slug
    made from the name. A generated slug taken by a concurrent writer is
    made again; a given slug that is taken is a 400 on `slug`.
    """
    for attempt in range(1, SLUG_ATTEMPTS + 1):
        instance.slug = slug or free_slug(model=type(instance), name=instance.name)
        try:
            with transaction.atomic():
                return save()
        except IntegrityError:
            slug_taken = type(instance).objects.filter(slug=instance.slug).exists()
            if not slug_taken:
                raise
            if slug or attempt == SLUG_ATTEMPTS:
                raise DomainValidationError(
                    {"slug": ["This slug is already in use."]}, code="unique"
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _delete_file_on_commit(name):
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def lock_category(pk):
    """
    The category `pk`, read under a row lock that a delete of it must wait
    for; None when it was deleted meanwhile.
    """
    return Category.objects.select_for_update().filter(pk=pk).first()


def _lock_category(*, pk, field):
    """`lock_category`, with a 400 on `field` when the category is gone."""
    category = lock_category(pk)
    if category is None:
        raise DomainValidationError({field: [CATEGORY_GONE]}, code="does_not_exist")
    return category


# --- Products ---------------------------------------------------------------


def create_product(
    *,
    name,
    category,
    price,
    stock=0,
    slug="",
    description="",
    image=None,
    is_active=True,
):
    """
    Creates a product; the image, if any, is stored with it. A category
    deleted meanwhile is a 400 on `category`, and nothing is stored.
    """
    with transaction.atomic():
        category = _lock_category(pk=category.pk, field="category")
        product = Product(
            name=name,
            category=category,
            price=price,
            stock=stock,
            description=description,
            image=image,
            is_active=is_active,
        )
        _save_with_slug(instance=product, slug=slug, save=product.save)

    logger.info("Product %s created in category %s by staff", product.pk, category.pk)
    return product


@transaction.atomic
def update_product(*, product, **changes):
    """
    Applies `changes` (field name to new value) to `product` under a row
    lock, writing only the changed columns: a concurrent checkout's stock
    update is never overwritten by a price edit. A product deleted meanwhile
    is a 404; a new category deleted meanwhile a 400 on `category`.
    """
    locked = Product.objects.select_for_update().filter(pk=product.pk).first()
    if locked is None:
        raise NotFound("No product has this id.")
    if "category" in changes:
        changes["category"] = _lock_category(
            pk=changes["category"].pk, field="category"
        )
    old_image = locked.image.name or ""

    for field, value in changes.items():
        setattr(locked, field, value)
    try:
        with transaction.atomic():
            locked.save(update_fields=[*changes, "updated_at"])
    except IntegrityError:
        if "slug" in changes:
            raise DomainValidationError(
                {"slug": ["This slug is already in use."]}, code="unique"
            ) from None
        raise

    if "image" in changes and (locked.image.name or "") != old_image:
        _delete_file_on_commit(old_image)
    logger.info("Product %s updated by staff: %s", locked.pk, sorted(changes))
    return locked


@transaction.atomic
def delete_product(*, product):
    """
    Deletes a product. Cart lines holding it go with it; past order lines
    keep their snapshot and lose only the link. A product already deleted
    is left alone.
    """
    # Its cart lines first, then the product, the order checkout locks them
    # in. Once the product is locked, no cart or order line can be added
    # that the delete below would not see.
    list(product.cart_items.select_for_update().order_by("pk").values_list("pk"))
    locked = Product.objects.select_for_update().filter(pk=product.pk).first()
    if locked is None:
        logger.info("Product %s was already deleted", product.pk)
        return

    image_name = locked.image.name
    locked.delete()

    _delete_file_on_commit(image_name)
    logger.info("Product %s deleted by staff", product.pk)


def change_stock(changes):
    """
    Adds `changes[product_id]` (negative to take) to each product's stock in
    one UPDATE; the caller holds the products' row locks. Cached reads that
    show stock are retired when the transaction commits.
    """
    by_product = Case(
        *(When(pk=pk, then=Value(change)) for pk, change in changes.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    Product.objects.filter(pk__in=changes).update(
        stock=F("stock") + by_product, updated_at=timezone.now()
    )
    caching.stock_changed()


# --- Categories -------------------------------------------------------------


def _refuse_bad_move(exc):
    raise DomainValidationError(
        {"parent": ["A category cannot be moved under itself or its descendants."]},
        code="invalid_move",
    ) from exc


def _refuse_too_deep(exc):
    raise DomainValidationError(
        {"parent": ["The category tree cannot grow deeper here."]},
        code="too_deep",
    ) from exc


def lock_category_tree():
    """
    Makes the caller's transaction the only one writing categories until it
    ends; readers and product writes go on. Call it before reading the rows
    a tree write is computed from.
    """
    # A create, move or delete rewrites the materialised paths of many
    # rows, computed from the paths it read: two at once could both pass
    # the cycle check, or give two nodes one path. Category writes are rare,
    # so one table lock is enough. SHARE ROW EXCLUSIVE conflicts with itself
    # and with row writes, not with plain reads or the row locks that
    # product writes take. SQLite already runs one writer at a time.
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(Category._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def _reread_parent(parent):
    """`parent` as it is now, under the tree lock; a 400 if it is gone."""
    if parent is None:
        return None
    current = Category.objects.filter(pk=parent.pk).first()
    if current is None:
        raise DomainValidationError({"parent": [CATEGORY_GONE]}, code="does_not_exist")
    return current


@transaction.atomic
def create_category(*, name, parent=None, slug="", theme="", is_active=True):
    """Creates a category at the root, or under `parent`, in name order."""
    lock_category_tree()
    parent = _reread_parent(parent)
    category = Category(name=name, theme=theme, is_active=is_active)

    def add():
        if parent is None:
            return Category.objects.add_root(instance=category)
        return Category.objects.add_child(parent, instance=category)

    try:
        category = _save_with_slug(instance=category, slug=slug, save=add)
    except PathOverflow as exc:
        _refuse_too_deep(exc)
    logger.info(
        "Category %s created under %s by staff",
        category.pk,
        parent.pk if parent else "the root",
    )
    return category


def _move_to_sorted_place(category, parent):
    """Puts `category` under `parent` (None: the root) in name order."""
    if parent is None:
        first_root = Category.objects.get_first_root_node()
        Category.objects.move(category, first_root, "sorted-sibling")
    else:
        Category.objects.move(category, parent, "sorted-child")


@transaction.atomic
def update_category(*, category, **changes):
    """
    Applies `changes` to `category`. A `parent` in `changes` moves it with
    its whole subtree (None: to the root); a move under itself or one of
    its descendants is refused with a 400. A new name re-sorts it among its
    siblings. Returns the category as it now is; a 404 if it was deleted
    meanwhile.
    """
    lock_category_tree()
    category = Category.objects.filter(pk=category.pk).first()
    if category is None:
        raise NotFound("No category has this id.")
    moving = "parent" in changes
    new_parent = _reread_parent(changes.pop("parent", None))
    renamed = "name" in changes and changes["name"] != category.name

    if moving and new_parent is not None and new_parent.is_in_subtree_of(category):
        _refuse_bad_move(None)

    for field, value in changes.items():
        setattr(category, field, value)
    if changes:
        try:
            with transaction.atomic():
                category.save(update_fields=[*changes, "updated_at"])
        except IntegrityError:
            if "slug" in changes:
                raise DomainValidationError(
                    {"slug": ["This slug is already in use."]}, code="unique"
                ) from None
            raise

    new_parent_path = new_parent.path if new_parent else ""
    if (moving and new_parent_path != category.parent_path) or renamed:
        if not moving:
            new_parent = Category.objects.get_parent(category)
        try:
            _move_to_sorted_place(category, new_parent)
        except InvalidMoveToDescendant as exc:
            _refuse_bad_move(exc)
        except PathOverflow as exc:
            _refuse_too_deep(exc)
        category.refresh_from_db()

    logger.info(
        "Category %s updated by staff: %s",
        category.pk,
        sorted([*changes, *(["parent"] if moving else [])]),
    )
    return category


@transaction.atomic
def delete_category(*, category):
    """
    Deletes an empty leaf category. One with children or products is a 409:
    deleting it would take a subtree or a shelf of products with it. One
    already deleted is a 404.
    """
    lock_category_tree()
    # The row lock waits for product writes that hold this category.
    locked = Category.objects.select_for_update().filter(pk=category.pk).first()
    if locked is None:
        raise NotFound("No category has this id.")

    child_count = Category.objects.filter(
        path__startswith=locked.path, depth=locked.depth + 1
    ).count()
    if child_count:
        logger.warning(
            "Category %s not deleted: it has %s children", locked.pk, child_count
        )
        raise Conflict(
            "This category has subcategories; move or delete them first.",
            code="category_has_children",
            child_count=child_count,
        )
    product_count = locked.products.count()
    if product_count:
        logger.warning(
            "Category %s not deleted: it has %s products", locked.pk, product_count
        )
        raise Conflict(
            "This category has products; move or delete them first.",
            code="category_has_products",
            product_count=product_count,
        )

    try:
        locked.delete()
    except ProtectedError as exc:
        # A product was added between the count and the delete.
        raise Conflict(
            "This category has products; move or delete them first.",
            code="category_has_products",
        ) from exc
    logger.info("Category %s deleted by staff", category.pk)
