import copy
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db import IntegrityError, models, transaction
from rest_framework import serializers
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings
from rest_framework.utils import humanize_datetime

from orders.pricing import ZERO
from ravoos_pansy.errors import Conflict

from .models import Coupon

CODE_FIELD_LENGTH = Coupon._meta.get_field("code").max_length
CODE_TAKEN = "Another coupon has this code (codes ignore case)."
# The largest use limit every database can store (PostgreSQL's integer).
MAX_USES = 2_147_483_647


class StrictDateTimeField(serializers.DateTimeField):
    """
    A date and time that refuses text with a NUL in it. Python's ISO 8601
    parser stops reading at a NUL, so "2026-01-01T00:00:00Z\x00anything"
    would otherwise pass as valid.
    """

    def to_internal_value(self, value):
        if isinstance(value, str) and "\x00" in value:
            self.fail(
                "invalid",
                format=humanize_datetime.datetime_formats(
                    getattr(self, "input_formats", api_settings.DATETIME_INPUT_FORMATS)
                ),
            )
        return super().to_internal_value(value)


class ValidateCouponSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=CODE_FIELD_LENGTH)


class CouponQuoteSerializer(serializers.Serializer):
    # Totals of the cart as it stands, however large (see cart.serializers).
    code = serializers.CharField(source="coupon.code")
    kind = serializers.ChoiceField(choices=Coupon.Kind.choices, source="coupon.kind")
    value = serializers.DecimalField(
        max_digits=10, decimal_places=2, source="coupon.value"
    )
    discount = serializers.DecimalField(
        max_digits=None, decimal_places=2, source="totals.discount"
    )
    subtotal = serializers.DecimalField(
        max_digits=None, decimal_places=2, source="totals.subtotal"
    )
    gst = serializers.DecimalField(
        max_digits=None, decimal_places=2, source="totals.gst"
    )
    total = serializers.DecimalField(
        max_digits=None, decimal_places=2, source="totals.total"
    )


class CouponAdminSerializer(serializers.ModelSerializer):
    """A coupon as staff manage it; the rules live in `Coupon.clean()`."""

    code = serializers.CharField(
        max_length=CODE_FIELD_LENGTH,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_-]+$",
                "Use letters, digits, '-' and '_' only.",
                code="invalid",
            )
        ],
    )
    value = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    min_subtotal = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.00"), default=ZERO
    )
    max_discount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        allow_null=True,
        default=None,
        help_text="Cap on a percentage discount; only for percent coupons.",
    )
    usage_limit = serializers.IntegerField(
        min_value=1, max_value=MAX_USES, allow_null=True, default=None
    )
    per_user_limit = serializers.IntegerField(
        min_value=1, max_value=MAX_USES, allow_null=True, default=None
    )
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: StrictDateTimeField,
    }

    class Meta:
        model = Coupon
        fields = [
            "id",
            "code",
            "kind",
            "value",
            "min_subtotal",
            "max_discount",
            "valid_from",
            "valid_to",
            "is_active",
            "usage_limit",
            "per_user_limit",
            "used_count",
            "created_at",
        ]
        read_only_fields = ["used_count", "created_at"]

    def validate_code(self, code):
        if self._code_is_taken(code):
            raise serializers.ValidationError(CODE_TAKEN, code="unique")
        return code

    def validate(self, attrs):
        # Hold the coupon as it would be after this change to the rules, so
        # that a PATCH of one field is checked against the others as stored.
        candidate = copy.copy(self.instance) if self.instance else Coupon()
        for field, value in attrs.items():
            setattr(candidate, field, value)
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(get_error_detail(exc)) from exc
        return attrs

    def save(self, **kwargs):
        try:
            with transaction.atomic():
                return super().save(**kwargs)
        except IntegrityError as exc:
            # Lost a race the checks above could not see: a coupon with the
            # same code was written meanwhile, or its use count moved.
            if self._code_is_taken(self.validated_data.get("code")):
                raise serializers.ValidationError(
                    {"code": [CODE_TAKEN]}, code="unique"
                ) from exc
            raise Conflict(
                "The coupon changed while it was being saved; reload it and retry.",
                code="coupon_changed",
            ) from exc

    def _code_is_taken(self, code):
        if code is None:
            return False
        taken = Coupon.objects.by_code(code)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        return taken.exists()


class CouponConflictErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["coupon_in_use", "coupon_changed"])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class CouponConflictResponseSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Always `client_error`.")
    errors = CouponConflictErrorSerializer(many=True)
