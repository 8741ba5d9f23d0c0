from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from .models import Coupon


class ValidityFilter(admin.SimpleListFilter):
    title = "validity"
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("current", "Current"),
            ("upcoming", "Not yet valid"),
            ("expired", "Expired"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "current":
            return queryset.filter(valid_from__lte=now).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gt=now)
            )
        if self.value() == "upcoming":
            return queryset.filter(valid_from__gt=now)
        if self.value() == "expired":
            return queryset.filter(valid_to__lte=now)
        return queryset


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "kind",
        "value",
        "max_discount",
        "min_subtotal",
        "is_active",
        "valid_from",
        "valid_to",
        "usage",
    ]
    list_filter = ["is_active", ValidityFilter, "kind"]
    search_fields = ["code"]
    readonly_fields = ["used_count", "created_at"]
    ordering = ["-created_at"]

    @admin.display(description="usage", ordering="used_count")
    def usage(self, coupon):
        limit = coupon.usage_limit if coupon.usage_limit is not None else "∞"
        return f"{coupon.used_count} / {limit}"
