from django.contrib import admin

from .caching import cart_changed
from .models import CartItem


@admin.register(CartItem)
class CartItemAdmin(admin.ModelAdmin):
    """Customers' carts, for support: looked at and tidied, not filled."""

    list_display = ["id", "user", "product", "quantity", "updated_at"]
    list_select_related = ["user", "product"]
    search_fields = ["user__email", "product__name"]
    readonly_fields = ["user", "product", "created_at", "updated_at"]
    fields = ["user", "product", "quantity", "created_at", "updated_at"]
    ordering = ["-updated_at"]

    def has_add_permission(self, request):
        return False

    # Each change here retires the customer's cached cart, as the cart
    # services do.

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cart_changed(obj.user_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cart_changed(obj.user_id)

    def delete_queryset(self, request, queryset):
        owners = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in owners:
            cart_changed(user_id)
