import logging

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import (
    extend_validation_errors,
)
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from ravoos_pansy.errors import Conflict
from ravoos_pansy.permissions import IsCustomer, IsStaff

from .exceptions import CouponRefusal
from .models import Coupon
from .serializers import (
    CouponAdminSerializer,
    CouponConflictResponseSerializer,
    CouponQuoteSerializer,
    ValidateCouponSerializer,
)
from .services import quote_coupon

logger = logging.getLogger(__name__)

CONFLICT = OpenApiResponse(
    CouponConflictResponseSerializer,
    "The coupon has been used (`coupon_in_use`) or changed meanwhile "
    "(`coupon_changed`).",
)


@extend_validation_errors(CouponRefusal.values, field_name="code", methods=["post"])
@extend_validation_errors(["cart_empty"], methods=["post"])
class ValidateCouponView(APIView):
    """What a coupon would take off the customer's current cart."""

    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="coupons_validate",
        request=ValidateCouponSerializer,
        responses=CouponQuoteSerializer,
    )
    def post(self, request):
        serializer = ValidateCouponSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote = quote_coupon(user=request.user, **serializer.validated_data)
        return Response(CouponQuoteSerializer(quote).data)


# The codes `Coupon.clean()` and the code check raise: the schema cannot
# read them from the serializer's fields.
COUPON_RULE_CODES = {
    "code": ["unique"],
    "value": ["max_value"],
    "max_discount": ["cap_needs_percent"],
    "valid_to": ["ends_before_start"],
    "usage_limit": ["below_used_count"],
}


def coupon_rule_errors(*, methods):
    def decorate(view):
        for field_name, codes in COUPON_RULE_CODES.items():
            view = extend_validation_errors(
                codes, field_name=field_name, methods=methods
            )(view)
        return view

    return decorate


@coupon_rule_errors(methods=["post"])
@extend_schema_view(
    post=extend_schema(
        responses={201: CouponAdminSerializer, 409: CONFLICT},
    ),
)
class CouponAdminListView(generics.ListCreateAPIView):
    permission_classes = [IsStaff]
    serializer_class = CouponAdminSerializer
    queryset = Coupon.objects.all()

    def perform_create(self, serializer):
        coupon = serializer.save()
        logger.info(
            "Coupon %s created by staff user %s", coupon.pk, self.request.user.pk
        )


@coupon_rule_errors(methods=["put", "patch"])
@extend_schema_view(
    put=extend_schema(responses={200: CouponAdminSerializer, 409: CONFLICT}),
    patch=extend_schema(responses={200: CouponAdminSerializer, 409: CONFLICT}),
    delete=extend_schema(responses={204: None, 409: CONFLICT}),
)
class CouponAdminDetailView(generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [IsStaff]
    serializer_class = CouponAdminSerializer

    def get_queryset(self):
        if self.request.method in ("PUT", "PATCH"):
            # Checkouts redeem the coupon under its row lock: an edit holds
            # the same lock, so the rules it checks (a limit not below the
            # use count) are those of the row it writes.
            return Coupon.objects.select_for_update()
        return Coupon.objects.all()

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        coupon = serializer.save()
        logger.info(
            "Coupon %s changed by staff user %s", coupon.pk, self.request.user.pk
        )

    def perform_destroy(self, instance):
        # Redemptions protect the coupon: orders keep pointing at it.
        try:
            instance.delete()
        except (ProtectedError, IntegrityError) as exc:
            logger.warning("Coupon %s kept: it has been used", instance.pk)
            raise Conflict(
                "This coupon has been used and cannot be deleted; set "
                "is_active to false to stop further use.",
                code="coupon_in_use",
            ) from exc
        logger.info(
            "Coupon %s deleted by staff user %s", instance.pk, self.request.user.pk
        )
