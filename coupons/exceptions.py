from django.db import models
from rest_framework import status

from ravoos_pansy.errors import DomainValidationError


class CouponRefusal(models.TextChoices):
    """Why a coupon cannot be used; the value is the error `code` clients see."""

    UNKNOWN = "coupon_unknown", "No coupon has this code."
    INACTIVE = "coupon_inactive", "This coupon is not active."
    NOT_YET_VALID = "coupon_not_yet_valid", "This coupon is not valid yet."
    EXPIRED = "coupon_expired", "This coupon has expired."
    USED_UP = "coupon_used_up", "This coupon has been used up."
    ALREADY_USED = "coupon_already_used", "You have already used this coupon."
    MINIMUM_NOT_MET = (
        "coupon_minimum_not_met",
        "The cart subtotal is below this coupon's minimum.",
    )


class CouponRefused(DomainValidationError):
    """A 400 naming why the coupon was refused, on the `coupon` field."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, refusal: CouponRefusal, *, field="coupon", **extra):
        self.refusal = refusal
        super().__init__({field: [refusal.label]}, code=refusal.value, **extra)
