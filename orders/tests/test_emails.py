import logging

import pytest
from django.core import mail
from django.db import transaction

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from orders import services
from orders.exceptions import InsufficientStock, StatusTransitionRefused
from orders.models import Order
from orders.tasks import send_order_confirmation, send_status_update

from .factories import CartItemFactory

CHECKOUT = "/api/orders/checkout/"

pytestmark = pytest.mark.django_db


def test_placing_an_order_queues_one_confirmation_after_commit(
    user, address, product, put_in_cart, django_capture_on_commit_callbacks
):
    put_in_cart(product, 2)

    with django_capture_on_commit_callbacks() as callbacks:
        order = services.place_order(user=user, address_id=address.pk)
    assert mail.outbox == []

    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == f"Your Ravoos Pansy order #{order.pk} is placed"


def test_the_confirmation_carries_the_bill_in_text_and_html(
    user, address, product, other_product, coupon, place
):
    order = place((product, 2), (other_product, 1), coupon_code="SAVE10")

    send_order_confirmation(order.pk)

    message = mail.outbox[0]
    assert message.from_email == "Ravoos Pansy <shop@ravoos.example>"
    assert f"Hello {user.name}," in message.body
    assert "2 x Teak bowl @ 100.00 = 200.00" in message.body
    assert "1 x Brass lamp @ 49.99 = 49.99" in message.body
    assert "Subtotal: 249.99" in message.body
    assert "Discount (SAVE10): -25.00" in message.body
    assert "GST: 11.25" in message.body
    assert "Total: 236.24" in message.body
    assert address.as_text() in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<td>Teak bowl</td>" in html
    assert "<strong>236.24</strong>" in html


def test_the_html_mail_escapes_what_customers_typed(user, address, category, place):
    address.full_name = "<script>x</script>"
    address.save()
    order = place((ProductFactory(category=category, name="Bowl & <b>Cup</b>"), 1))

    send_order_confirmation(order.pk)

    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html
    assert "Bowl &amp; &lt;b&gt;Cup&lt;/b&gt;" in html
    assert "Bowl & <b>Cup</b>" in mail.outbox[0].body


def test_a_status_change_queues_a_note_with_the_new_status(
    user, staff_user, product, place, django_capture_on_commit_callbacks
):
    order = place((product, 1))

    with django_capture_on_commit_callbacks(execute=True):
        services.change_order_status(
            order_id=order.pk, status="packing", changed_by=staff_user
        )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == f"Your Ravoos Pansy order #{order.pk}: packing"
    assert f"Your order #{order.pk} is now: Packing." in message.body
    assert "1 x Teak bowl @ 100.00 = 100.00" in message.body


def test_a_cancellation_note_says_so(user, product, place):
    order = place((product, 1))
    services.cancel_order(user=user, order_id=order.pk)

    send_status_update(order.pk, "cancelled")

    assert mail.outbox[0].subject == f"Your Ravoos Pansy order #{order.pk}: cancelled"
    assert f"Your order #{order.pk} has been cancelled." in mail.outbox[0].body


def test_a_rolled_back_checkout_queues_no_mail(
    user, address, product, put_in_cart, django_capture_on_commit_callbacks
):
    put_in_cart(product, 11)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(InsufficientStock),
    ):
        services.place_order(user=user, address_id=address.pk)

    assert callbacks == []
    assert mail.outbox == []


class ChangedItsMind(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_an_order_rolled_back_after_it_was_placed_mails_nothing(
    user, address, product, put_in_cart
):
    put_in_cart(product, 2)

    @transaction.atomic
    def place_then_fail():
        # The order is written and its mail queued; then the transaction
        # that holds it (a caller's, as the idempotency key's is) rolls back.
        services.place_order(user=user, address_id=address.pk)
        raise ChangedItsMind

    with pytest.raises(ChangedItsMind):
        place_then_fail()

    assert Order.objects.count() == 0
    assert Product.objects.get(pk=product.pk).stock == 10
    assert mail.outbox == []


def test_a_refused_status_change_queues_no_mail(
    user, product, place, django_capture_on_commit_callbacks
):
    order = place((product, 1))
    services.cancel_order(user=user, order_id=order.pk)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(StatusTransitionRefused),
    ):
        services.change_order_status(
            order_id=order.pk, status="packing", changed_by=user
        )

    assert callbacks == []
    assert mail.outbox == []


def test_a_mail_for_a_missing_order_is_skipped():
    send_order_confirmation(999_999)
    send_status_update(999_999, "packing")

    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_checkout_mails_in_process_after_commit(
    user, user_client, address, product
):
    CartItemFactory(user=user, product=product, quantity=1)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 201
    assert [message.subject for message in mail.outbox] == [
        f"Your Ravoos Pansy order #{response.json()['id']} is placed"
    ]


@pytest.mark.django_db(transaction=True)
def test_an_api_checkout_refused_for_stock_mails_nothing(
    user, user_client, address, product
):
    CartItemFactory(user=user, product=product, quantity=50)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 409
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_unreachable_checkout_mails_in_process_and_warns(
    user, user_client, address, product, publish_to_broker, caplog
):
    # Nothing listens on port 1: every connection is refused at once.
    publish_to_broker("redis://127.0.0.1:1/0")
    CartItemFactory(user=user, product=product, quantity=1)

    response = user_client.post(CHECKOUT, {"address_id": address.pk}, format="json")

    assert response.status_code == 201
    assert [message.subject for message in mail.outbox] == [
        f"Your Ravoos Pansy order #{response.json()['id']} is placed"
    ]
    assert (
        "ravoos_pansy.celery",
        logging.WARNING,
        "Broker unreachable: running orders.tasks.send_order_confirmation in-process",
    ) in caplog.record_tuples
