import logging

import pytest
from django.contrib.auth.hashers import make_password
from knox.models import AuthToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from ravoos_pansy import settings as production_settings

from .conftest import INVALID_CREDENTIALS

LOGIN_URL = "/api/auth/login/"


@pytest.mark.django_db
def test_login_answers_with_a_token_and_the_user(api_client, user, password):
    response = api_client.post(
        LOGIN_URL, {"email": user.email, "password": password}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "role": "user",
    }
    token = AuthToken.objects.get(user=user)
    assert body["token"][:15] == token.token_key
    assert body["expiry"] is not None
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
def test_login_matches_the_email_in_any_case(api_client, user, password):
    response = api_client.post(
        LOGIN_URL, {"email": user.email.upper(), "password": password}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk


@pytest.mark.django_db
def test_login_records_the_time_of_the_login(api_client, user, password):
    assert user.last_login is None

    api_client.post(LOGIN_URL, {"email": user.email, "password": password})

    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.django_db
def test_staff_can_log_in_and_are_reported_as_admin(api_client, staff_user, password):
    response = api_client.post(
        LOGIN_URL, {"email": staff_user.email, "password": password}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["user"]["role"] == "admin"


@pytest.mark.django_db
def test_each_login_issues_its_own_token(api_client, user, password):
    credentials = {"email": user.email, "password": password}

    first = api_client.post(LOGIN_URL, credentials, format="json").json()["token"]
    second = api_client.post(LOGIN_URL, credentials, format="json").json()["token"]

    assert first != second
    assert AuthToken.objects.filter(user=user).count() == 2
    for key in (first, second):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api_client.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
def test_login_with_a_wrong_password_is_refused(api_client, user):
    response = api_client.post(
        LOGIN_URL, {"email": user.email, "password": "not-the-password"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_login_with_an_unknown_email_gets_the_same_answer(api_client, password):
    response = api_client.post(
        LOGIN_URL, {"email": "nobody@example.com", "password": password}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_an_inactive_account_cannot_log_in(api_client, password):
    user = UserFactory(is_active=False)

    response = api_client.post(
        LOGIN_URL, {"email": user.email, "password": password}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"password": "x"}, "email", "required"),
        ({"email": "a@example.com"}, "password", "required"),
        ({"email": "not-an-email", "password": "x"}, "email", "invalid"),
        ({"email": "a@example.com", "password": ""}, "password", "blank"),
        ({"email": "a@example.com", "password": "p" * 129}, "password", "max_length"),
    ],
)
def test_login_refuses_missing_or_malformed_fields(api_client, body, attr, code):
    response = api_client.post(LOGIN_URL, body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["attr"], error["code"]) for error in errors] == [(attr, code)]
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_login_upgrades_a_pbkdf2_password_hash_to_argon2(
    api_client, user, password, settings
):
    # The test settings hash with a fast hasher; this test takes the
    # production list, which puts Argon2 first and keeps PBKDF2 only to
    # verify and upgrade older hashes.
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    older_hash = make_password(password, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=older_hash)

    response = api_client.post(
        LOGIN_URL, {"email": user.email, "password": password}, format="json"
    )

    assert older_hash.startswith("pbkdf2_sha256$")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(password)


@pytest.mark.django_db
def test_login_logs_neither_the_password_nor_the_token(
    api_client, user, password, caplog
):
    caplog.set_level(logging.DEBUG)

    response = api_client.post(
        LOGIN_URL, {"email": user.email, "password": password}, format="json"
    )
    failed = api_client.post(
        LOGIN_URL, {"email": user.email, "password": "wrong-secret-99"}, format="json"
    )

    assert response.status_code == 200
    assert failed.status_code == 400
    assert f"Token issued for user {user.pk}" in caplog.messages
    assert password not in caplog.text
    assert "wrong-secret-99" not in caplog.text
    assert response.json()["token"] not in caplog.text
