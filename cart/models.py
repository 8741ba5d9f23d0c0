from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.models import Product, sold_by_catalog
from orders import pricing


class CartProblem(models.TextChoices):
    """Why a line cannot be bought as it stands; the value is the API code."""

    INACTIVE = "inactive", "This product is no longer sold."
    INSUFFICIENT_STOCK = "insufficient_stock", "Not enough of this product in stock."


class CartItemQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user).select_related("product__category")

    def with_sale_status(self):
        """Annotates `product_on_sale`: whether the catalog still sells it."""
        return self.annotate(product_on_sale=sold_by_catalog("product"))


class CartItem(models.Model):
    """One line of a user's cart: a product and how many of it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart_items"
    )
    # Deleting a product takes it out of every cart.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="cart_items"
    )
    quantity = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(1),
            MaxValueValidator(settings.MAX_CART_LINE_QUANTITY),
        ]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CartItemQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product"], name="one_cart_line_per_product"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    quantity__gte=1, quantity__lte=settings.MAX_CART_LINE_QUANTITY
                ),
                name="cart_quantity_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.product_id} for {self.user_id}"

    @property
    def problem(self):
        """
        The `CartProblem` that stops this line being bought now, or None.

        A product that was switched off or ran short after it was added stays
        in the cart, so the customer sees why checkout refuses it.
        """
        if not self.is_product_on_sale:
            return CartProblem.INACTIVE
        if self.quantity > self.product.stock:
            return CartProblem.INSUFFICIENT_STOCK
        return None

    @property
    def is_product_on_sale(self):
        """
        False once the product, its category or an ancestor category is
        switched off; read from `with_sale_status()` when it was used.
        """
        on_sale = getattr(self, "product_on_sale", None)
        if on_sale is None:
            on_sale = Product.objects.active().filter(pk=self.product_id).exists()
        return on_sale

    @property
    def is_purchasable(self):
        return self.problem is None

    @property
    def line_total(self):
        return pricing.line_total(self.product.price, self.quantity)
