"""Staff editing a coupon while a checkout redeems it, on PostgreSQL."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.db.models import F

from coupons.models import Coupon
from ravoos_pansy.tests.concurrency import backend_waiting_on_a_lock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30


def patch_in_own_connection(client, url, body):
    try:
        return client.patch(url, body, format="json")
    finally:
        connection.close()


def test_an_edit_waits_for_a_redemption_and_answers_with_its_use(staff_client, coupon):
    url = f"/api/admin/coupons/{coupon.pk}/"

    with ThreadPoolExecutor(max_workers=1) as pool:
        with transaction.atomic(), connection.cursor() as cursor:
            # A checkout holds the coupon's row and takes one use.
            Coupon.objects.select_for_update().get(pk=coupon.pk)
            edit = pool.submit(
                patch_in_own_connection, staff_client, url, {"usage_limit": 5}
            )
            deadline = time.monotonic() + WAIT_SECONDS
            while not backend_waiting_on_a_lock(cursor, "SELECT"):
                assert not edit.done(), edit.result().json()
                assert time.monotonic() < deadline, "the edit never waited"
                time.sleep(0.05)
            Coupon.objects.filter(pk=coupon.pk).update(used_count=F("used_count") + 1)
        response = edit.result(timeout=WAIT_SECONDS)

    assert response.status_code == 200
    assert (response.json()["usage_limit"], response.json()["used_count"]) == (5, 1)
    coupon.refresh_from_db()
    assert (coupon.usage_limit, coupon.used_count) == (5, 1)
