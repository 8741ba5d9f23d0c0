import pytest
from django.db import connection

from catalog.filters import ProductFilter
from catalog.models import Product

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_product_search_has_a_trigram_index_on_name_and_description():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'catalog_product' AND indexname LIKE %s",
            ["%trgm"],
        )
        definitions = dict(cursor.fetchall())

    assert sorted(definitions) == [
        "catalog_product_description_trgm",
        "catalog_product_name_trgm",
    ]
    assert all("gin_trgm_ops" in text for text in definitions.values())


def test_the_search_filter_is_answered_from_the_trigram_indexes():
    # The indexes help only while they hold the very expressions the filter
    # writes. On an empty table only a plan with scans of other kinds
    # switched off shows whether they do: a bitmap scan is then the one
    # way left that does not cost a fortune.
    search = ProductFilter().filter_search(Product.objects.all(), "search", "speaker")
    sql, params = search.order_by().values("pk").query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "catalog_product_name_trgm" in plan
    assert "catalog_product_description_trgm" in plan
