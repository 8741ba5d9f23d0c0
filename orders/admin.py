from django.contrib import admin, messages
from rest_framework.exceptions import APIException

from . import services
from .models import NEXT_STATUSES, Order, OrderLine, OrderStatus, OrderStatusChange


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ["product", "product_name", "unit_price", "quantity", "line_total"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderStatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    fields = ["from_status", "to_status", "changed_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _forward_status(order):
    """The next step along the happy path, or None for a finished order."""
    forward = [
        status
        for status in NEXT_STATUSES[OrderStatus(order.status)]
        if status != OrderStatus.CANCELLED
    ]
    return forward[0] if forward else None


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """
    Orders are made by checkout and never deleted; staff move them along the
    lifecycle with the actions, which go through the same rules as the API.
    """

    list_display = [
        "id",
        "user",
        "status",
        "total",
        "coupon_code",
        "is_hidden_by_user",
        "created_at",
    ]
    list_filter = ["status", "created_at", "is_hidden_by_user"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__email"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    inlines = [OrderLineInline, OrderStatusChangeInline]
    actions = ["move_to_next_status", "cancel_orders"]
    fieldsets = [
        (None, {"fields": ["user", "status", "is_hidden_by_user", "created_at"]}),
        (
            "Money",
            {
                "fields": [
                    "subtotal",
                    "coupon",
                    "coupon_code",
                    "discount",
                    "gst_rate",
                    "gst",
                    "total",
                ]
            },
        ),
        (
            "Delivery address (as at checkout)",
            {
                "fields": [
                    "shipping_full_name",
                    "shipping_phone",
                    "shipping_street",
                    "shipping_landmark",
                    "shipping_city",
                    "shipping_state",
                    "shipping_pincode",
                    "shipping_address",
                    "address",
                ]
            },
        ),
    ]
    readonly_fields = [
        field for fieldset in fieldsets for field in fieldset[1]["fields"]
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # An order's own page is read-only, without a Save button: saving it
        # would write back the whole row as the page loaded it, undoing a
        # cancellation made meanwhile. The list (obj None) keeps the
        # permission that its actions need.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Move selected orders to their next status")
    def move_to_next_status(self, request, queryset):
        self._move_each(request, queryset, target=_forward_status)

    @admin.action(description="Cancel selected orders (stock and coupon returned)")
    def cancel_orders(self, request, queryset):
        self._move_each(request, queryset, target=lambda order: OrderStatus.CANCELLED)

    def _move_each(self, request, queryset, *, target):
        moved = 0
        for order in queryset.order_by("pk"):
            status = target(order)
            if status is None:
                self.message_user(
                    request,
                    f"Order #{order.pk} is {order.get_status_display().lower()}; "
                    "it has no next status.",
                    messages.WARNING,
                )
                continue
            try:
                services.change_order_status(
                    order_id=order.pk, status=status, changed_by=request.user
                )
            except APIException as exc:
                self.message_user(
                    request, f"Order #{order.pk}: {_first_message(exc)}", messages.ERROR
                )
                continue
            moved += 1
        if moved:
            self.message_user(request, f"Moved {moved} order(s).", messages.SUCCESS)


def _first_message(exc):
    detail = exc.detail
    while isinstance(detail, (list, dict)):
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)
