from functools import cached_property, partial

from django.core.paginator import Paginator
from django.utils.http import urlencode

from ravoos_pansy import caching
from ravoos_pansy.pagination import PageNumberPagination

from . import caching as catalog_caching


class CachedCountPaginator(Paginator):
    """
    A paginator that takes its total from the catalog cache, counting only
    on a miss. On a big catalog the count is most of a page's cost: the
    page itself is an index scan that stops after 20 rows, the count reads
    every matching row.
    """

    def __init__(self, *args, count_variant, shows_stock, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_variant = count_variant
        self.shows_stock = shows_stock

    @cached_property
    def count(self):
        return caching.remember(
            "product-count",
            lambda: Paginator.count.func(self),
            variant=self.count_variant,
            generation_keys=(
                catalog_caching.CATALOG_AND_STOCK
                if self.shows_stock
                else catalog_caching.CATALOG_ONLY
            ),
        )


class ProductPagination(PageNumberPagination):
    """
    The project's page numbers, with the total count of each filter cached
    until the catalog changes (see `catalog.caching`). A count filtered by
    `in_stock` also goes when stock moves.
    """

    count_filters = ("category", "search", "min_price", "max_price", "in_stock")

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        # The filters read each parameter's last value; so does this.
        variant = urlencode(
            [(name, params.get(name, "")) for name in self.count_filters]
        )
        self.django_paginator_class = partial(
            CachedCountPaginator,
            count_variant=variant,
            shows_stock=bool(params.get("in_stock")),
        )
        return super().paginate_queryset(queryset, request, view)
