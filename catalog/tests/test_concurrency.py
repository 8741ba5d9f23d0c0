import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from catalog import services
from catalog.models import Product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 10


def wait_for_a_blocked_backend():
    """Returns once another connection is waiting on a row or index lock."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("no connection ever waited on the lock")


def test_two_products_named_alike_at_the_same_moment_get_two_slugs(category):
    inserted = threading.Event()
    release = threading.Event()
    errors = []

    def create(*, hold):
        try:
            with transaction.atomic():
                services.create_product(
                    name="Same Name", category=category, price=Decimal("10.00")
                )
                if hold:
                    # Keep the first insert uncommitted while the second
                    # one picks the same slug and waits on the index.
                    inserted.set()
                    release.wait(WAIT_SECONDS)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=create, kwargs={"hold": True})
    second = threading.Thread(target=create, kwargs={"hold": False})
    first.start()
    assert inserted.wait(WAIT_SECONDS)
    second.start()
    wait_for_a_blocked_backend()
    release.set()
    first.join(WAIT_SECONDS)
    second.join(WAIT_SECONDS)

    assert errors == []
    assert sorted(Product.objects.values_list("slug", flat=True)) == [
        "same-name",
        "same-name-2",
    ]
