from django.conf import settings
from django.db import models

from catalog.models import Product


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    PACKING = "packing", "Packing"
    SHIPPED = "shipped", "Shipped"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


# The lifecycle: each status and the statuses it may move to next.
NEXT_STATUSES = {
    OrderStatus.PLACED: (OrderStatus.PACKING, OrderStatus.CANCELLED),
    OrderStatus.PACKING: (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
    OrderStatus.SHIPPED: (OrderStatus.OUT_FOR_DELIVERY,),
    OrderStatus.OUT_FOR_DELIVERY: (OrderStatus.DELIVERED,),
    OrderStatus.DELIVERED: (),
    OrderStatus.CANCELLED: (),
}

# Orders a customer may hide from their history: finished ones only.
HIDEABLE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.CANCELLED)


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A customer's own history, without the orders they hid."""
        return self.filter(user=user, is_hidden_by_user=False)


class Order(models.Model):
    """
    A placed order. Money and the delivery address are snapshots taken at
    checkout, so later edits to products, addresses or coupons never change
    a past order.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )

    address = models.ForeignKey(
        "accounts.Address",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    shipping_full_name = models.CharField(max_length=150)
    shipping_phone = models.CharField(max_length=20)
    shipping_street = models.CharField(max_length=255)
    shipping_city = models.CharField(max_length=100)
    shipping_state = models.CharField(max_length=100)
    shipping_pincode = models.CharField(max_length=12)
    shipping_landmark = models.CharField(max_length=255, blank=True)
    shipping_address = models.TextField(help_text="The address as printed on the bill.")

    coupon = models.ForeignKey(
        "coupons.Coupon",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    coupon_code = models.CharField(max_length=40, blank=True)

    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    gst_rate = models.DecimalField(max_digits=5, decimal_places=4)
    gst = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)

    is_hidden_by_user = models.BooleanField(
        default=False,
        help_text="Hidden from the customer's history; staff still see it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount__gte=0)
                & models.Q(discount__lte=models.F("subtotal")),
                name="order_discount_within_subtotal",
            ),
            models.CheckConstraint(
                condition=models.Q(total__gte=0), name="order_total_non_negative"
            ),
        ]

    def __str__(self):
        return f"Order #{self.pk}"

    @property
    def allowed_next_statuses(self):
        return NEXT_STATUSES[OrderStatus(self.status)]

    def can_move_to(self, status):
        return status in self.allowed_next_statuses

    @property
    def is_cancellable(self):
        return self.can_move_to(OrderStatus.CANCELLED)

    @property
    def is_hideable(self):
        return self.status in HIDEABLE_STATUSES


class OrderLine(models.Model):
    """A line of an order, with the product's name and price as sold."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # The product may be deleted later; the snapshot below keeps the bill.
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    product_name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.product_name}"


class OrderStatusChange(models.Model):
    """One step of an order's status history."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="status_history"
    )
    from_status = models.CharField(
        max_length=20, choices=OrderStatus.choices, blank=True
    )
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "status history"

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class IdempotencyKey(models.Model):
    """
    A checkout request made with an `Idempotency-Key` header, kept so that a
    retry replays the first answer instead of placing a second order.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="idempotency_key_unique_per_user"
            ),
        ]

    def __str__(self):
        return self.key

    @property
    def is_complete(self):
        return self.response_status is not None
