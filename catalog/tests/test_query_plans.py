"""
The plans PostgreSQL makes for the product list's hot queries. On a test's
small tables the planner would read the table whatever the indexes, so each
plan is made with the alternatives switched off: what remains shows
whether an index can serve the query.
"""

import pytest
from django.db import connection, transaction

from catalog import selectors
from catalog.filters import ProductFilter
from catalog.models import Product

from .factories import ProductFactory

pytestmark = pytest.mark.postgres


def plan_of(sql, params, *, switched_off):
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in switched_off:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_the_public_product_count_reads_the_index_alone(category):
    # The count under every page reads each visible product; from the
    # partial index on active products' categories it needs none of the
    # table's rows. An index-only scan is planned only once the table has
    # been vacuumed (as autovacuum does), so the test commits some rows and
    # vacuums them first.
    Product.objects.bulk_create(
        ProductFactory.build(category=category) for _ in range(500)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE catalog_product")
    products = selectors.public_products().order_by().values("pk")
    sql, params = products.query.sql_with_params()
    # The SQL is Django's own, its values passed apart.
    count = f"SELECT COUNT(*) FROM ({sql}) counted"  # noqa: S608

    plan = plan_of(count, params, switched_off=["enable_seqscan", "enable_bitmapscan"])

    assert "Index Only Scan using product_active_category" in plan


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["price", "-price"])
def test_a_page_sorted_by_price_is_read_in_order_off_an_index(ordering):
    # Many products share a price, and the list sorts ties by id: unless an
    # index holds that very order, every product at the first page's price
    # is read and sorted to find the first twenty.
    products = ProductFilter(
        data={"ordering": ordering}, queryset=selectors.public_products()
    ).qs[:20]
    sql, params = products.query.sql_with_params()

    plan = plan_of(
        sql,
        params,
        switched_off=["enable_seqscan", "enable_sort", "enable_incremental_sort"],
    )

    assert "Sort" not in plan
    assert "Index Scan using catalog_pro_is_acti" in plan
