import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import AddressFactory, UserFactory


@pytest.fixture
def admin_client_(db):
    superuser = User.objects.create_superuser(
        email="root@ravoos.example", name="Root", password="x"
    )
    client = Client()
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_the_user_list_searches_by_email_and_name(admin_client_):
    UserFactory(email="meera@example.com", name="Meera Iyer")
    UserFactory(email="ravi@example.com", name="Ravi Kumar")

    response = admin_client_.get("/admin/accounts/user/", {"q": "iyer"})

    assert response.status_code == 200
    assert [user.email for user in response.context["cl"].result_list] == [
        "meera@example.com"
    ]


@pytest.mark.django_db
def test_the_user_list_is_ordered_by_email(admin_client_):
    UserFactory(email="zed@example.com")
    UserFactory(email="amal@example.com")

    response = admin_client_.get("/admin/accounts/user/")

    emails = [user.email for user in response.context["cl"].result_list]
    assert emails == sorted(emails)


@pytest.mark.django_db
def test_the_admin_add_form_creates_a_user_with_a_hashed_password(admin_client_):
    response = admin_client_.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "name": "New Person",
            "usable_password": "true",
            "password1": "quiet-harbour-4242",
            "password2": "quiet-harbour-4242",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.name == "New Person"
    assert user.password != "quiet-harbour-4242"
    assert user.check_password("quiet-harbour-4242")


@pytest.mark.django_db
def test_the_admin_add_form_refuses_an_email_taken_in_another_case(admin_client_):
    UserFactory(email="taken@example.com")

    response = admin_client_.post(
        "/admin/accounts/user/add/",
        {
            "email": "TAKEN@example.com",
            "name": "Copy",
            "usable_password": "true",
            "password1": "quiet-harbour-4242",
            "password2": "quiet-harbour-4242",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "A user with this email already exists."
    ]
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.django_db
def test_the_user_page_shows_the_address_book(admin_client_):
    address = AddressFactory(street="221B Baker Street")

    response = admin_client_.get(f"/admin/accounts/user/{address.user_id}/change/")

    assert response.status_code == 200
    assert "221B Baker Street" in response.content.decode()


@pytest.mark.django_db
def test_the_address_admin_lists_addresses(admin_client_):
    AddressFactory(city="Kochi")

    response = admin_client_.get("/admin/accounts/address/", {"q": "Kochi"})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
