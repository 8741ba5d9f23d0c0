import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from accounts.tests.factories import AddressFactory
from catalog.models import Product
from orders import services
from orders.idempotency import request_fingerprint
from orders.models import IdempotencyKey, Order

CHECKOUT = "/api/orders/checkout/"

pytestmark = pytest.mark.django_db


def checkout(client, body, key, **extra):
    return client.post(
        CHECKOUT,
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **extra,
    )


def test_a_retry_with_the_same_key_replays_the_first_answer(
    user, user_client, address, product, put_in_cart
):
    put_in_cart(product, 2)
    body = {"address_id": address.pk}

    first = checkout(user_client, body, "key-1")
    retry = checkout(user_client, body, "key-1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 8
    key = IdempotencyKey.objects.get()
    assert (key.user, key.key, key.response_status) == (user, "key-1", 201)
    assert key.order == Order.objects.get()


def test_the_same_body_in_another_spelling_is_the_same_request(
    user_client, address, product, put_in_cart
):
    put_in_cart(product, 1)

    first = checkout(
        user_client, f'{{"address_id": {address.pk}, "coupon": ""}}', "key-1"
    )
    retry = checkout(
        user_client, f'{{ "coupon":"",\n"address_id":{address.pk} }}', "key-1"
    )

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1


def test_a_lone_surrogate_in_a_keyed_body_is_fingerprinted_not_a_500(
    user_client, address, product, put_in_cart
):
    put_in_cart(product, 1)
    body = f'{{"address_id": {address.pk}, "note": "\\ud800"}}'

    first = checkout(user_client, body, "key-1")
    retry = checkout(user_client, body, "key-1")

    assert first.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(
    user, user_client, address, product, put_in_cart
):
    put_in_cart(product, 1)
    checkout(user_client, {"address_id": address.pk}, "key-1")
    put_in_cart(product, 1)

    response = checkout(
        user_client, {"address_id": address.pk, "coupon": "SAVE10"}, "key-1"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_another_users_key_is_a_new_key(
    user, other_user, user_client, other_client, address, product, put_in_cart
):
    their_address = AddressFactory(user=other_user)
    put_in_cart(product, 1)
    put_in_cart(product, 1, owner=other_user)

    mine = checkout(user_client, {"address_id": address.pk}, "shared-key")
    theirs = checkout(other_client, {"address_id": their_address.pk}, "shared-key")

    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert Order.objects.filter(user=other_user).count() == 1
    assert IdempotencyKey.objects.filter(key="shared-key").count() == 2


def test_a_refused_checkout_is_stored_and_replayed(
    user_client, address, product, put_in_cart
):
    put_in_cart(product, 11)
    first = checkout(user_client, {"address_id": address.pk}, "key-1")
    Product.objects.filter(pk=product.pk).update(stock=20)

    retry = checkout(user_client, {"address_id": address.pk}, "key-1")
    fresh = checkout(user_client, {"address_id": address.pk}, "key-2")

    assert first.status_code == 409
    assert retry.status_code == 409
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert retry.json()["products"][0]["available"] == 10
    assert fresh.status_code == 201
    assert Order.objects.count() == 1


def test_an_empty_cart_answer_is_replayed_too(user_client, address):
    first = checkout(user_client, {"address_id": address.pk}, "key-1")
    retry = checkout(user_client, {"address_id": address.pk}, "key-1")

    assert first.status_code == 400
    assert retry.status_code == 400
    assert retry.json() == first.json()
    assert retry.json()["errors"][0]["code"] == "cart_empty"
    assert IdempotencyKey.objects.get().response_status == 400


def test_a_body_that_fails_validation_claims_no_key(
    user_client, address, product, put_in_cart
):
    put_in_cart(product, 1)

    bad = checkout(user_client, {"address_id": "abc"}, "key-1")
    good = checkout(user_client, {"address_id": address.pk}, "key-1")

    assert bad.status_code == 400
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good
    assert Order.objects.count() == 1


@pytest.mark.parametrize("key", ["", "k" * 256, "k\x00k", "\x00", "k\x01k", "k\nk"])
def test_an_empty_over_long_or_unprintable_key_is_a_400(
    user_client, address, product, put_in_cart, key
):
    put_in_cart(product, 1)

    response = checkout(user_client, {"address_id": address.pk}, key)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "idempotency_key_invalid",
            "detail": "The Idempotency-Key header must be 1 to 255 printable "
            "characters.",
            "attr": "Idempotency-Key",
        }
    ]
    assert Order.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


def test_a_key_of_255_characters_is_accepted(
    user_client, address, product, put_in_cart
):
    put_in_cart(product, 1)

    response = checkout(user_client, {"address_id": address.pk}, "k" * 255)

    assert response.status_code == 201
    assert IdempotencyKey.objects.get().key == "k" * 255


def test_an_expired_key_is_a_new_key(
    user, user_client, address, product, put_in_cart, settings
):
    put_in_cart(product, 1)
    first = checkout(user_client, {"address_id": address.pk}, "key-1")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    put_in_cart(product, 1)

    again = checkout(user_client, {"address_id": address.pk}, "key-1")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert Order.objects.count() == 2
    key = IdempotencyKey.objects.get()
    assert key.order_id == again.json()["id"]
    assert key.expires_at > timezone.now() + settings.IDEMPOTENCY_KEY_TTL - timedelta(
        minutes=1
    )


def test_a_key_answered_by_a_request_that_died_is_taken_over(
    user, user_client, address, product, put_in_cart
):
    # What a worker killed mid-checkout leaves: a claimed key, no answer,
    # and (its transaction rolled back) no lock and no order.
    body = {"address_id": address.pk}
    IdempotencyKey.objects.create(
        user=user,
        key="key-1",
        request_fingerprint=request_fingerprint(body),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    put_in_cart(product, 1)

    response = checkout(user_client, body, "key-1")

    assert response.status_code == 201
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.get().response_status == 201


def test_an_unexpected_failure_is_not_stored_so_a_retry_runs_again(
    user_client, address, product, put_in_cart, monkeypatch
):
    put_in_cart(product, 1)
    real_place_order = services.place_order

    def database_gone(**kwargs):
        raise OperationalError("connection lost")

    monkeypatch.setattr(services, "place_order", database_gone)
    user_client.raise_request_exception = False
    failed = checkout(user_client, {"address_id": address.pk}, "key-1")
    monkeypatch.setattr(services, "place_order", real_place_order)
    retry = checkout(user_client, {"address_id": address.pk}, "key-1")

    assert failed.status_code == 503
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Order.objects.count() == 1


def test_purging_deletes_only_expired_keys(user, other_user):
    now = timezone.now()
    for owner, key, expires_at in [
        (user, "old", now - timedelta(minutes=1)),
        (other_user, "old", now - timedelta(days=3)),
        (user, "fresh", now + timedelta(hours=1)),
    ]:
        IdempotencyKey.objects.create(
            user=owner, key=key, request_fingerprint="f", expires_at=expires_at
        )

    call_command("purge_idempotency_keys")

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_a_keyed_checkout_purges_the_users_expired_keys(
    user, other_user, user_client, address, product, put_in_cart
):
    expired = timezone.now() - timedelta(minutes=1)
    IdempotencyKey.objects.create(
        user=user, key="mine", request_fingerprint="f", expires_at=expired
    )
    IdempotencyKey.objects.create(
        user=other_user, key="theirs", request_fingerprint="f", expires_at=expired
    )
    put_in_cart(product, 1)

    checkout(user_client, {"address_id": address.pk}, "key-1")

    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {
        "theirs",
        "key-1",
    }
