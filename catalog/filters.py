from django.db.models import Q
from django_filters import rest_framework as filters

from .models import Category, Product

BOOLEAN_CHOICES = (("true", "true"), ("false", "false"))
SEARCH_MAX_LENGTH = 100


class StableOrderingFilter(filters.OrderingFilter):
    """
    `ordering=` with the primary key as the last key, so that products of
    equal price or name keep their places from one page to the next.
    """

    def filter(self, qs, value):
        # "price," or "," leave empty keys, which would name no field.
        keys = [param for param in value or () if param]
        if not keys:
            return qs
        ordering = [self.get_ordering_value(param) for param in keys]
        return qs.order_by(*ordering, "id")


class ProductFilter(filters.FilterSet):
    """
    The public product filters. A bad value is a 400 naming the parameter
    (django-filter validates them with a form); unknown parameters are
    ignored.
    """

    category = filters.ModelChoiceFilter(
        queryset=Category.objects.visible(),
        to_field_name="slug",
        method="filter_category",
        help_text="A category slug: that category and every one below it. "
        "An unknown or hidden slug is a 400.",
    )
    search = filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Text found in the name or the description, any case.",
    )
    min_price = filters.NumberFilter(
        field_name="price",
        lookup_expr="gte",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Lowest price, inclusive.",
    )
    max_price = filters.NumberFilter(
        field_name="price",
        lookup_expr="lte",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Highest price, inclusive.",
    )
    in_stock = filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_in_stock",
        help_text="`true`: only products with stock; `false`: only sold out.",
    )
    ordering = StableOrderingFilter(
        fields=("price", "name", "created_at"),
        help_text="Sort key; a leading `-` reverses it. Default `-created_at`.",
    )

    class Meta:
        model = Product
        fields = ()

    def filter_category(self, queryset, name, value):
        return queryset.in_category_tree(value)

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(description__icontains=value)
        )

    def filter_in_stock(self, queryset, name, value):
        if value == "true":
            return queryset.filter(stock__gt=0)
        return queryset.filter(stock=0)


class StaffProductFilter(ProductFilter):
    """The public filters over every product, plus `is_active`."""

    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="filter_category",
        help_text="A category slug, active or not: that category and every "
        "one below it. An unknown slug is a 400.",
    )
    is_active = filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_is_active",
        help_text="`true` or `false`.",
    )

    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")
