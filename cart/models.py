from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.models import Product


class CartItemQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user).select_related("product__category")


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
