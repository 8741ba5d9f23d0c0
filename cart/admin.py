from django.contrib import admin

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
