import pytest
from django.db import connection

from catalog import selectors

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_public_product_count_reads_the_index_alone():
    # The count under every page reads each visible product; from the
    # partial index on active products' categories it needs none of the
    # table's rows. On an empty table only a plan with the other scans
    # switched off shows whether the index can serve it.
    products = selectors.public_products().order_by().values("pk")
    sql, params = products.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # The SQL is Django's own, its values passed apart.
        count = f"SELECT COUNT(*) FROM ({sql}) counted"  # noqa: S608
        cursor.execute(f"EXPLAIN {count}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using product_active_category" in plan
