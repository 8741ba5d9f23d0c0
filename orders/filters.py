import django_filters

from .models import Order, OrderStatus


class OrderHistoryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)

    class Meta:
        model = Order
        fields = ["status"]


class StaffOrderFilter(django_filters.FilterSet):
    """
    `user` matches part of the customer's email, case-insensitively; the
    dates are days in the shop's time zone, both ends included.
    """

    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    user = django_filters.CharFilter(
        field_name="user__email", lookup_expr="icontains", max_length=254
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte"
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Order
        fields = ["status", "user", "created_after", "created_before"]
