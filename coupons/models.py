from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from orders import pricing


class CouponQuerySet(models.QuerySet):
    def by_code(self, code):
        """The coupon whose code is `code`, ignoring case and outer spaces."""
        # LOWER() on both sides is the expression of the unique index
        # (coupon_code_ci_unique), so PostgreSQL looks the code up in it;
        # `iexact` compares UPPER()s and reads the whole table.
        return self.alias(code_lower=Lower("code")).filter(
            code_lower=Lower(Value(code.strip()))
        )


class Coupon(models.Model):
    class Kind(models.TextChoices):
        FIXED = "fixed", "Fixed amount"
        PERCENT = "percent", "Percentage"

    code = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    min_subtotal = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_discount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Cap on a percentage discount.",
    )
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    usage_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Total redemptions allowed; empty for no limit.",
    )
    per_user_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Redemptions per customer; empty for no limit."
    )
    used_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CouponQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="coupon_code_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(value__gt=0), name="coupon_value_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="percent") | models.Q(value__lte=100),
                name="coupon_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=models.Q(min_subtotal__gte=0),
                name="coupon_min_subtotal_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(max_discount__isnull=True)
                | models.Q(max_discount__gt=0),
                name="coupon_max_discount_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="coupon_valid_to_after_valid_from",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="percent")
                | models.Q(max_discount__isnull=True),
                name="coupon_cap_only_on_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(used_count__gte=0),
                name="coupon_used_count_non_negative",
            ),
            # The last line of defence against over-redemption: even a buggy
            # caller cannot push the count past the limit.
            models.CheckConstraint(
                condition=models.Q(usage_limit__isnull=True)
                | models.Q(used_count__lte=models.F("usage_limit")),
                name="coupon_used_count_within_limit",
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        # `used_count` moves only through the conditional UPDATEs of
        # redeem_coupon and release_coupon. A coupon loaded before a checkout
        # redeemed it holds an old count, so saving it (staff editing the
        # rules) must not write that count back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname != "used_count"
            ]
        super().save(*args, **kwargs)

    def clean(self):
        """
        The rules that tie fields together, with messages a person can act
        on; the database checks above hold them as a last line of defence.
        """
        errors = {}
        if self.kind == self.Kind.PERCENT:
            if self.value is not None and self.value > 100:
                errors["value"] = ValidationError(
                    "A percentage is at most 100.", code="max_value"
                )
        elif self.max_discount is not None:
            errors["max_discount"] = ValidationError(
                "Only a percentage coupon takes a cap; leave it empty.",
                code="cap_needs_percent",
            )
        if (
            self.valid_to is not None
            and self.valid_from is not None
            and self.valid_to <= self.valid_from
        ):
            errors["valid_to"] = ValidationError(
                "The coupon must end after it starts.", code="ends_before_start"
            )
        if self.usage_limit is not None and self.usage_limit < self.used_count:
            errors["usage_limit"] = ValidationError(
                f"Already used {self.used_count} times; the limit cannot be lower.",
                code="below_used_count",
            )
        if errors:
            raise ValidationError(errors)

    def discount_for(self, subtotal):
        return pricing.coupon_discount(self, subtotal)


class CouponRedemption(models.Model):
    """One use of a coupon by a customer's order; deleted when released."""

    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="redemptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coupon_redemptions",
    )
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="coupon_redemption"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["coupon", "user"])]

    def __str__(self):
        return f"{self.coupon} on order {self.order_id}"
