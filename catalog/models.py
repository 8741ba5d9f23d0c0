from django.core.validators import MinValueValidator
from django.db import models
from treebeard.mp_tree import MP_Node


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

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, category__is_active=True)

    def in_category_tree(self, category):
        """Products of `category` and of every category below it."""
        return self.filter(category__path__startswith=category.path)


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0.01)],
    )
    stock = models.PositiveIntegerField(default=0)
    image = models.ImageField(upload_to="products/%Y/%m/", blank=True, null=True)
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
            models.Index(fields=["is_active", "price"]),
            models.Index(fields=["is_active", "name"]),
            models.Index(fields=["is_active", "-created_at"]),
        ]

    def __str__(self):
        return self.name

    @property
    def in_stock(self):
        return self.stock > 0

    def is_purchasable(self, quantity=1):
        """True when `quantity` of this product can be sold right now."""
        return self.is_active and self.category.is_active and quantity <= self.stock
