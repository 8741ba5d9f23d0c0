"""
A new password, or none at all, ends every API session, whichever way it
was set: the API, the Django admin's password form (which may also disable
password-based authentication), `changepassword`, `ensure_admin` or any
save that stores another hash. A password hash upgraded at login is no new
password and ends nothing.
"""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from knox.models import AuthToken

from accounts.tests.factories import StaffFactory, UserFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "cobalt-harbour-1999"


def test_the_admin_password_form_revokes_the_users_tokens(user, admin_client):
    phone = client_for(user)

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=user).exists()
    assert phone.get("/api/auth/me/").status_code == 401


def test_disabling_password_authentication_in_the_admin_revokes_the_tokens(
    user, admin_client
):
    phone = client_for(user)

    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {
            "usable_password": "false",
            "password1": "",
            "password2": "",
            # The name of the button the admin's page submits with.
            "unset-password": "Disable password-based authentication",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/admin/accounts/user/{user.pk}/change/"
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not AuthToken.objects.filter(user=user).exists()
    assert phone.get("/api/auth/me/").status_code == 401


def test_an_unusable_password_saved_on_the_model_revokes_the_tokens(user, other_user):
    session, bystander = client_for(user), client_for(other_user)

    user.set_unusable_password()
    user.save()

    assert session.get("/api/auth/me/").status_code == 401
    assert bystander.get("/api/auth/me/").status_code == 200


def test_a_hash_saved_on_a_copy_loaded_without_it_revokes_the_tokens(user):
    session = client_for(user)
    copy = type(user).objects.only("email").get(pk=user.pk)

    copy.password = make_password(NEW_PASSWORD)
    copy.save(update_fields=["password"])

    assert session.get("/api/auth/me/").status_code == 401


def test_saving_the_same_hash_again_keeps_the_tokens(user):
    session = client_for(user)

    user.save(update_fields=["password"])
    user.refresh_from_db()
    user.save()

    assert session.get("/api/auth/me/").status_code == 200


def test_an_unusable_password_not_among_the_saved_fields_keeps_the_tokens(user):
    session = client_for(user)

    user.set_unusable_password()
    user.save(update_fields=["name"])

    user.refresh_from_db()
    assert user.has_usable_password()
    assert session.get("/api/auth/me/").status_code == 200


def test_ensure_admin_with_a_new_password_revokes_the_admins_tokens(monkeypatch):
    owner = StaffFactory(email="owner@ravoos.example", is_superuser=True)
    session = client_for(owner)
    monkeypatch.setenv("ADMIN_EMAIL", owner.email)
    monkeypatch.setenv("ADMIN_PASSWORD", NEW_PASSWORD)

    call_command("ensure_admin", stdout=None)

    assert session.get("/api/auth/me/").status_code == 401


def test_saving_a_user_without_a_new_password_keeps_the_tokens(user):
    session = client_for(user)

    user.name = "Renamed"
    user.save()

    assert session.get("/api/auth/me/").status_code == 200


def test_a_hash_upgraded_at_login_keeps_the_other_sessions(api_client, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = UserFactory()
    user.password = make_password(NEW_PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    laptop = client_for(user)

    login = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": NEW_PASSWORD}
    )

    user.refresh_from_db()
    assert login.status_code == 200
    assert user.password.startswith("argon2$")
    assert laptop.get("/api/auth/me/").status_code == 200
