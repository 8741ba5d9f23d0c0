import pytest
from django.db import IntegrityError, transaction

from accounts.models import Address, User
from accounts.tests.factories import AddressFactory, UserFactory


@pytest.mark.django_db
def test_the_database_refuses_two_default_addresses_for_one_user(user):
    AddressFactory(user=user, is_default=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        AddressFactory(user=user, is_default=True)

    assert Address.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_different_users_may_each_have_a_default(user, other_user):
    AddressFactory(user=user, is_default=True)
    AddressFactory(user=other_user, is_default=True)

    assert Address.objects.filter(is_default=True).count() == 2


@pytest.mark.django_db
def test_a_user_may_have_many_addresses_that_are_not_default(user):
    AddressFactory.create_batch(3, user=user, is_default=False)

    assert Address.objects.filter(user=user).count() == 3


@pytest.mark.django_db
def test_make_default_moves_the_default_in_one_step(user):
    old = AddressFactory(user=user, is_default=True)
    new = AddressFactory(user=user, is_default=False)

    new.make_default()

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.is_default, new.is_default) == (False, True)


@pytest.mark.django_db
def test_the_database_refuses_an_email_that_differs_only_in_case():
    UserFactory(email="asha@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="ASHA@example.com", name="Copy")])


@pytest.mark.django_db
def test_the_manager_stores_emails_in_lower_case():
    user = User.objects.create_user(
        email=" Asha.Rao@Example.COM ", name="Asha", password="x"
    )

    assert user.email == "asha.rao@example.com"
    assert User.objects.get_by_natural_key("ASHA.RAO@example.com") == user


@pytest.mark.django_db
def test_create_superuser_makes_staff():
    admin = User.objects.create_superuser(
        email="boss@example.com", name="Boss", password="x"
    )

    assert (admin.is_staff, admin.is_superuser, admin.role) == (True, True, "admin")


def test_role_is_user_for_customers():
    assert User(is_staff=False).role == "user"
