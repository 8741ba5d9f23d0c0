from decimal import Decimal
from pathlib import PurePath
from uuid import uuid4

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith
from django.utils import timezone
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from .validators import validate_product_image


def _inactive_ancestor_or_self(path_ref):
    """
    An EXISTS over the inactive categories whose path is a prefix of
    `path_ref`: the category at `path_ref` itself or one of its ancestors.
    """
    return Exists(
        Category.objects.filter(is_active=False).filter(StartsWith(path_ref, F("path")))
    )


def sold_by_catalog(product=""):
    """
    The condition that the catalog sells a product: the product active, in
    an active category whose ancestors are all active too. `product` is the
    relation from the rows queried to the product ("" when they are
    products). A condition on joined rows, not a subquery of its own, so it
    serves filters and annotations alike and is quick to build.
    """
    prefix = f"{product}__" if product else ""
    return Q(
        **{f"{prefix}is_active": True, f"{prefix}category__is_active": True}
    ) & ~_inactive_ancestor_or_self(OuterRef(f"{prefix}category__path"))


class CategoryQuerySet(MP_NodeQuerySet):
    def visible(self):
        """
        Categories the public may see: active, under active ancestors only.
        Deactivating a category hides its whole subtree.
        """
        return self.filter(is_active=True).exclude(
            _inactive_ancestor_or_self(OuterRef("path"))
        )


class CategoryManager(MP_NodeManager):
    def get_queryset(self):
        return CategoryQuerySet(self.model, using=self._db).order_by("path")

    def visible(self):
        return self.get_queryset().visible()


class Category(MP_Node):
    """
    A node of the category tree, stored as a materialised path
    (django-treebeard): a subtree is one `path__startswith` filter and the
    whole tree one ordered query, which the product filter and the tree
    endpoint both rely on.
    """

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    theme = models.CharField(
        max_length=50,
        blank=True,
        help_text="A storefront theme name or colour for this category's pages.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    node_order_by = ["name"]

    objects = CategoryManager()

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    @property
    def parent_path(self):
        """The path of this category's parent; empty for a root."""
        return self.path[: -self.steplen]

    @property
    def ancestor_paths(self):
        """The paths of every ancestor, the root first."""
        return [
            self.path[:end] for end in range(self.steplen, len(self.path), self.steplen)
        ]

    def is_in_subtree_of(self, other):
        """True when this category is `other` or lies below it."""
        return self.path.startswith(other.path)


class ProductQuerySet(models.QuerySet):
    def active(self):
        """
        Products the public may see and buy: active, in an active category
        whose ancestors are all active too (one SQL query, no per-row
        look-ups).
        """
        return self.filter(sold_by_catalog())

    def with_on_sale(self):
        """Annotates `on_sale`: whether the catalog sells each product."""
        return self.annotate(on_sale=sold_by_catalog())

    def in_category_tree(self, category):
        """Products of `category` and of every category below it."""
        return self.filter(category__path__startswith=category.path)


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def product_image_path(instance, filename):
    """
    Where an uploaded product image is stored: a fresh random name under
    the month, never the client's file name (which could be long, clash or
    say things it should not).
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        suffix = ""
    return f"products/{timezone.now():%Y/%m}/{uuid4().hex}{suffix}"


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    stock = models.PositiveIntegerField(default=0)
    image = models.ImageField(
        upload_to=product_image_path,
        blank=True,
        null=True,
        validators=[validate_product_image],
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gt=0), name="product_price_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="product_stock_non_negative"
            ),
        ]
        indexes = [
            # Both price orders end on the id, as the list sorts: with many
            # products at one price, a page is then read off the index
            # instead of sorting every product at that price.
            models.Index(fields=["is_active", "price", "id"]),
            models.Index(fields=["is_active", "-price", "id"]),
            models.Index(fields=["is_active", "name"]),
            models.Index(fields=["is_active", "-created_at"]),
            # Counts the active products of the visible categories from the
            # index alone (an index-only scan on PostgreSQL), without
            # reading the table's rows.
            models.Index(
                fields=["category"],
                condition=models.Q(is_active=True),
                name="product_active_category",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def in_stock(self):
        return self.stock > 0
