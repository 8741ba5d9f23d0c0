import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.tests.factories import StaffFactory
from catalog.models import Product
from orders.models import Order, OrderStatusChange

CHANGELIST = "/admin/orders/order/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return StaffFactory(is_superuser=True)


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def run_action(admin_client, action, orders):
    return admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [order.pk for order in orders]},
        follow=True,
    )


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_changelist_searches_by_id_and_email(user, product, place, admin_client):
    order = place((product, 1))

    by_id = admin_client.get(CHANGELIST, {"q": str(order.pk)})
    by_email = admin_client.get(CHANGELIST, {"q": user.email[:8]})
    by_status = admin_client.get(CHANGELIST, {"status__exact": "shipped"})

    assert list(by_id.context["cl"].result_list) == [order]
    assert list(by_email.context["cl"].result_list) == [order]
    assert list(by_status.context["cl"].result_list) == []


def test_change_page_shows_lines_and_history_read_only(product, place, admin_client):
    order = place((product, 2))

    response = admin_client.get(f"{CHANGELIST}{order.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Teak bowl" in content
    assert 'name="total"' not in content
    assert 'name="status"' not in content
    assert 'name="shipping_street"' not in content


def test_the_change_page_cannot_write_the_order_back(product, place, admin_client):
    order = place((product, 1))
    page = admin_client.get(f"{CHANGELIST}{order.pk}/change/")
    # A cancellation lands while the page is open.
    Order.objects.filter(pk=order.pk).update(status="cancelled")

    saved = admin_client.post(
        f"{CHANGELIST}{order.pk}/change/", {"status": "placed", "_save": "Save"}
    )

    assert 'name="_save"' not in page.content.decode()
    assert saved.status_code == 403
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_orders_cannot_be_added_or_deleted_in_the_admin(admin_client, product, place):
    order = place((product, 1))

    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.get(f"{CHANGELIST}{order.pk}/delete/").status_code == 403
    assert Order.objects.count() == 1


def test_action_moves_orders_to_their_next_status(
    admin_user, product, place, admin_client
):
    first = place((product, 1))
    second = place((product, 1))
    Order.objects.filter(pk=second.pk).update(status="shipped")

    response = run_action(admin_client, "move_to_next_status", [first, second])

    assert Order.objects.get(pk=first.pk).status == "packing"
    assert Order.objects.get(pk=second.pk).status == "out_for_delivery"
    assert OrderStatusChange.objects.filter(changed_by=admin_user).count() == 2
    assert messages_of(response) == ["Moved 2 order(s)."]


def test_action_refuses_finished_orders_with_a_message(product, place, admin_client):
    order = place((product, 1))
    Order.objects.filter(pk=order.pk).update(status="delivered")

    response = run_action(admin_client, "move_to_next_status", [order])

    assert Order.objects.get(pk=order.pk).status == "delivered"
    assert messages_of(response) == [
        f"Order #{order.pk} is delivered; it has no next status."
    ]
    assert OrderStatusChange.objects.filter(order=order).count() == 1


def test_cancel_action_restocks_and_refuses_shipped_orders(
    product, place, admin_client
):
    cancellable = place((product, 3))
    shipped = place((product, 2))
    Order.objects.filter(pk=shipped.pk).update(status="shipped")

    response = run_action(admin_client, "cancel_orders", [cancellable, shipped])

    assert Order.objects.get(pk=cancellable.pk).status == "cancelled"
    assert Order.objects.get(pk=shipped.pk).status == "shipped"
    assert Product.objects.get(pk=product.pk).stock == 8
    assert messages_of(response) == [
        f"Order #{shipped.pk}: An order that is shipped cannot move to "
        "cancelled. Allowed next statuses: out_for_delivery.",
        "Moved 1 order(s).",
    ]
