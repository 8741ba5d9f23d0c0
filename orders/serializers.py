from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from drf_standardized_errors.openapi_serializers import ValidationErrorEnum
from rest_framework import serializers

from ravoos_pansy.errors import ClientErrorResponseSerializer

from .models import Order, OrderLine, OrderStatus, OrderStatusChange

# The largest primary key PostgreSQL's bigint holds.
MAX_ID = 2**63 - 1


class CheckoutSerializer(serializers.Serializer):
    address_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    coupon = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True
    )


class OrderStatusUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class OrderLineSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product_id",
            "product_name",
            "unit_price",
            "quantity",
            "line_total",
        ]
        read_only_fields = fields


class ChangedBySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True)


class OrderStatusChangeSerializer(serializers.ModelSerializer):
    from_status = serializers.SerializerMethodField()
    changed_by = ChangedBySerializer(read_only=True, allow_null=True)

    class Meta:
        model = OrderStatusChange
        fields = ["from_status", "to_status", "changed_by", "created_at"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(choices=OrderStatus.choices, allow_null=True)
    )
    def get_from_status(self, change):
        # The first step of every history starts from nothing.
        return change.from_status or None


class ShippingAddressSerializer(serializers.Serializer):
    """The address as it was at checkout."""

    full_name = serializers.CharField(source="shipping_full_name", read_only=True)
    phone = serializers.CharField(source="shipping_phone", read_only=True)
    street = serializers.CharField(source="shipping_street", read_only=True)
    city = serializers.CharField(source="shipping_city", read_only=True)
    state = serializers.CharField(source="shipping_state", read_only=True)
    pincode = serializers.CharField(source="shipping_pincode", read_only=True)
    landmark = serializers.CharField(source="shipping_landmark", read_only=True)
    text = serializers.CharField(source="shipping_address", read_only=True)


class OrderSummarySerializer(serializers.ModelSerializer):
    """An order as a line of the history: its items and totals."""

    items = OrderLineSerializer(source="lines", many=True, read_only=True)
    item_count = serializers.SerializerMethodField()
    allowed_next_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=OrderStatus.choices), read_only=True
    )
    is_cancellable = serializers.BooleanField(read_only=True)
    is_hideable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "created_at",
            "updated_at",
            "items",
            "item_count",
            "subtotal",
            "discount",
            "gst",
            "total",
            "coupon_code",
            "allowed_next_statuses",
            "is_cancellable",
            "is_hideable",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_item_count(self, order):
        return sum(line.quantity for line in order.lines.all())


class OrderSerializer(OrderSummarySerializer):
    """The bill: items, totals, the delivery address and the status history."""

    address = ShippingAddressSerializer(source="*", read_only=True)
    status_history = OrderStatusChangeSerializer(many=True, read_only=True)

    class Meta(OrderSummarySerializer.Meta):
        fields = [
            "id",
            "status",
            "created_at",
            "updated_at",
            "items",
            "item_count",
            "subtotal",
            "discount",
            "gst_rate",
            "gst",
            "total",
            "coupon_code",
            "address",
            "status_history",
            "allowed_next_statuses",
            "is_cancellable",
            "is_hideable",
        ]
        read_only_fields = fields


class OrderCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)


class StaffOrderSerializer(OrderSerializer):
    """The bill with the customer who placed it, for staff."""

    user = OrderCustomerSerializer(read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "user", "is_hidden_by_user"]
        read_only_fields = fields


class HiddenOrdersSerializer(serializers.Serializer):
    hidden = serializers.IntegerField(
        read_only=True, help_text="How many orders were hidden."
    )


class InsufficientStockItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    requested = serializers.IntegerField()
    available = serializers.IntegerField()


class CheckoutConflictSerializer(ClientErrorResponseSerializer):
    """409: short stock (with `products`) or a key still in use."""

    products = InsufficientStockItemSerializer(many=True, required=False)


class StatusTransitionErrorSerializer(ClientErrorResponseSerializer):
    """400 for a move the lifecycle forbids, or for a finished order kept."""

    type = serializers.ChoiceField(choices=ValidationErrorEnum.choices)
    # Absent from a plain validation error (an unknown status, say).
    current_status = serializers.ChoiceField(
        choices=OrderStatus.choices, required=False
    )
    allowed = serializers.ListField(
        child=serializers.ChoiceField(choices=OrderStatus.choices), required=False
    )
