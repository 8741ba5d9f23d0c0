import pytest

from accounts.models import Address
from accounts.tests.factories import AddressFactory, UserFactory
from conftest import client_for
from ravoos_pansy.tests.concurrency import run_at_once

LIST_URL = "/api/auth/addresses/"


def address_body(street):
    return {
        "full_name": "Asha Rao",
        "phone": "+91 98450 12345",
        "street": street,
        "city": "Bengaluru",
        "state": "Karnataka",
        "pincode": "560001",
    }


def run_together(requests):
    """Sends the requests at the same moment; their status codes."""
    return [response.status_code for response in run_at_once(*requests)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_addresses_at_once_leave_exactly_one_default():
    user = UserFactory()
    clients = [client_for(user) for _ in range(4)]

    statuses = run_together(
        [
            lambda client=client, n=n: client.post(
                LIST_URL, address_body(f"{n} MG Road"), format="json"
            )
            for n, client in enumerate(clients)
        ]
    )

    assert statuses == [201, 201, 201, 201]
    assert Address.objects.filter(user=user).count() == 4
    assert Address.objects.filter(user=user, is_default=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_moving_the_default_from_two_requests_at_once_keeps_one_default():
    user = UserFactory()
    AddressFactory(user=user, is_default=True)
    candidates = AddressFactory.create_batch(3, user=user, is_default=False)
    clients = [client_for(user) for _ in candidates]

    statuses = run_together(
        [
            lambda client=client, pk=address.pk: client.patch(
                f"{LIST_URL}{pk}/", {"is_default": True}, format="json"
            )
            for client, address in zip(clients, candidates, strict=True)
        ]
    )

    assert statuses == [200, 200, 200]
    defaults = Address.objects.filter(user=user, is_default=True)
    assert defaults.count() == 1
    assert defaults.get().pk in {address.pk for address in candidates}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deleting_the_default_while_another_is_made_default_keeps_one_default():
    user = UserFactory()
    default = AddressFactory(user=user, is_default=True)
    spare = AddressFactory(user=user, is_default=False)
    newest = AddressFactory(user=user, is_default=False)
    deleter, promoter = client_for(user), client_for(user)

    statuses = run_together(
        [
            lambda: deleter.delete(f"{LIST_URL}{default.pk}/"),
            lambda: promoter.patch(
                f"{LIST_URL}{spare.pk}/", {"is_default": True}, format="json"
            ),
        ]
    )

    assert statuses == [204, 200]
    remaining = Address.objects.filter(user=user)
    assert set(remaining.values_list("pk", flat=True)) == {spare.pk, newest.pk}
    assert remaining.filter(is_default=True).count() == 1
