from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from drf_standardized_errors.openapi_serializers import ParseErrorResponseSerializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from coupons.exceptions import CouponRefusal
from ravoos_pansy.cached_responses import CachedResponseMixin, cached_get
from ravoos_pansy.errors import ClientErrorResponseSerializer
from ravoos_pansy.permissions import IsCustomer, IsStaff

from . import idempotency, selectors, services
from .caching import history_read_generations
from .exceptions import OrderErrorCode
from .filters import OrderHistoryFilter, StaffOrderFilter
from .models import Order
from .serializers import (
    CheckoutConflictSerializer,
    CheckoutSerializer,
    HiddenOrdersSerializer,
    OrderSerializer,
    OrderStatusUpdateSerializer,
    OrderSummarySerializer,
    StaffOrderSerializer,
    StatusTransitionErrorSerializer,
)

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=idempotency.HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "1 to 255 printable characters, unique per checkout attempt (a UUID "
        "suits). "
        "A retry with the same key and body replays the first answer, "
        "status and body, with the header `Idempotent-Replayed: true`; the "
        "same key with another body is a 422; a retry while the first "
        "request is still running is a 409 `idempotency_key_in_use`. Keys "
        "belong to the user and expire after `IDEMPOTENCY_KEY_TTL_HOURS` (24 by "
        "default)."
    ),
)


@extend_validation_errors(
    [OrderErrorCode.CART_EMPTY.value, OrderErrorCode.ORDER_TOO_LARGE.value],
    field_name=None,
    methods=["post"],
)
@extend_validation_errors(
    [OrderErrorCode.ADDRESS_INVALID.value], field_name="address_id", methods=["post"]
)
@extend_validation_errors(
    [refusal.value for refusal in CouponRefusal], field_name="coupon", methods=["post"]
)
@extend_validation_errors(
    [OrderErrorCode.IDEMPOTENCY_KEY_INVALID.value],
    field_name=idempotency.HEADER,
    methods=["post"],
)
class CheckoutView(APIView):
    """Places an order from the customer's cart."""

    permission_classes = [IsCustomer]
    throttle_scope = "checkout"

    @extend_schema(
        operation_id="orders_checkout",
        request=CheckoutSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: OrderSerializer,
            409: OpenApiResponse(
                CheckoutConflictSerializer,
                description="`insufficient_stock`, with every short product in "
                "`products`; or `idempotency_key_in_use`.",
            ),
            422: OpenApiResponse(
                ClientErrorResponseSerializer,
                description="`idempotency_key_reused`: the key came with another body.",
            ),
        },
    )
    def post(self, request):
        key = request.headers.get(idempotency.HEADER)
        if key is not None:
            key = idempotency.clean_key(key)
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        if key is None:
            order = self._place_order(request.user, serializer.validated_data)
            return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)

        claim = idempotency.claim_key(
            user=request.user,
            key=key,
            fingerprint=idempotency.request_fingerprint(request.data),
        )
        if isinstance(claim, idempotency.StoredResponse):
            stored, replayed = claim, True
        else:
            stored, replayed = idempotency.run_with_key(
                claim,
                lambda: self._answer(request.user, serializer.validated_data),
            )
        headers = {idempotency.REPLAYED_HEADER: "true"} if replayed else None
        return Response(stored.body, status=stored.status, headers=headers)

    def _place_order(self, user, data):
        return services.place_order(
            user=user, address_id=data["address_id"], coupon_code=data.get("coupon")
        )

    def _answer(self, user, data):
        """The checkout's status, body and order, refusals rendered as errors."""
        try:
            order = self._place_order(user, data)
        except APIException as exc:
            response = self.handle_exception(exc)
            return response.status_code, response.data, None
        return status.HTTP_201_CREATED, OrderSerializer(order).data, order


class OrderListView(CachedResponseMixin, generics.ListAPIView):
    """The customer's order history, newest first."""

    permission_classes = [IsCustomer]
    serializer_class = OrderSummarySerializer
    filterset_class = OrderHistoryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.order_history(user=self.request.user)

    @cached_get(
        generation_keys=history_read_generations,
        query_params=(*OrderHistoryFilter.base_filters, "page", "page_size"),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderDetailView(generics.RetrieveAPIView):
    """One of the customer's orders: the bill."""

    permission_classes = [IsCustomer]
    serializer_class = OrderSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.customer_order_bills(user=self.request.user)


class OrderCancelView(APIView):
    """Cancels one of the customer's orders while it is placed or packing."""

    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="orders_cancel",
        request=None,
        responses={
            200: OrderSerializer,
            400: OpenApiResponse(
                StatusTransitionErrorSerializer,
                description="`invalid_status_transition`, with the order's "
                "`current_status` and the `allowed` next statuses.",
            ),
        },
    )
    def post(self, request, pk):
        services.cancel_order(user=request.user, order_id=pk)
        order = selectors.customer_order_bills(user=request.user).get(pk=pk)
        return Response(OrderSerializer(order).data)


class OrderStatusView(APIView):
    """Moves an order one step along the lifecycle (staff)."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="orders_status_update",
        request=OrderStatusUpdateSerializer,
        responses={
            200: StaffOrderSerializer,
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="OrderStatusUpdateError",
                    serializers=[
                        StatusTransitionErrorSerializer,
                        ParseErrorResponseSerializer,
                    ],
                    resource_type_field_name=None,
                ),
                description="An unknown status, or `invalid_status_transition` "
                "with the order's `current_status` and the `allowed` next "
                "statuses; or a body that is not JSON (`parse_error`).",
            ),
        },
    )
    def patch(self, request, pk):
        serializer = OrderStatusUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        services.change_order_status(
            order_id=pk,
            status=serializer.validated_data["status"],
            changed_by=request.user,
            field="status",
        )
        order = selectors.order_bill(order_id=pk)
        return Response(StaffOrderSerializer(order).data)


class OrderHideView(APIView):
    """Hides a delivered or cancelled order from the customer's history."""

    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="orders_hide",
        request=None,
        responses={
            204: None,
            400: OpenApiResponse(
                StatusTransitionErrorSerializer,
                description="`order_not_hideable`: the order is neither "
                "delivered nor cancelled.",
            ),
        },
    )
    def delete(self, request, pk):
        services.hide_order(user=request.user, order_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrderHideAllView(APIView):
    """Hides every delivered or cancelled order of the customer."""

    permission_classes = [IsCustomer]

    @extend_schema(
        operation_id="orders_hide_all",
        request=None,
        responses={200: HiddenOrdersSerializer},
    )
    def delete(self, request):
        hidden = services.hide_finished_orders(user=request.user)
        return Response({"hidden": hidden})


class StaffOrderListView(generics.ListAPIView):
    """Every order, hidden ones included, with its customer (staff)."""

    permission_classes = [IsStaff]
    serializer_class = StaffOrderSerializer
    filterset_class = StaffOrderFilter

    def get_queryset(self):
        return selectors.staff_order_bills()
