from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from conftest import client_for

PROTECTED_ROUTES = [
    ("post", "/api/auth/logout/"),
    ("get", "/api/auth/me/"),
    ("patch", "/api/auth/me/"),
    ("post", "/api/auth/password/"),
    ("get", "/api/auth/addresses/"),
    ("post", "/api/auth/addresses/"),
    ("get", "/api/auth/addresses/1/"),
    ("put", "/api/auth/addresses/1/"),
    ("patch", "/api/auth/addresses/1/"),
    ("delete", "/api/auth/addresses/1/"),
    ("delete", "/api/auth/addresses/1/delete/"),
]


def key_of(client):
    return client._credentials["HTTP_AUTHORIZATION"].removeprefix("Token ")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), PROTECTED_ROUTES)
def test_protected_routes_answer_401_without_a_token(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    }
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), PROTECTED_ROUTES)
def test_protected_routes_answer_401_with_an_unknown_token(api_client, method, path):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "ab" * 32)

    response = getattr(api_client, method)(path, {}, format="json")

    assert response.status_code == 401
    assert response.json()["errors"] == [
        {"code": "authentication_failed", "detail": "Invalid token.", "attr": None}
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token two parts",
        "Token \xe9t\xe9",
        "Token abc\x00def",
        "Token " + "f" * 5000,
        "Token zz-not-hex",
    ],
)
def test_a_malformed_token_header_is_a_401_not_a_crash(api_client, header, user):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    response = api_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_another_scheme_in_the_header_is_not_authenticated(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer something")

    response = api_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_tokens_are_stored_only_as_a_digest(user):
    client = client_for(user)
    key = key_of(client)

    token = AuthToken.objects.get(user=user)

    assert token.digest != key
    assert key not in token.digest
    assert len(token.digest) == 128


@pytest.mark.django_db
def test_a_token_lives_as_long_as_the_configured_ttl(api_client, user, password):
    ttl = timedelta(hours=3)
    before = timezone.now()

    with override_settings(REST_KNOX={"AUTH_HEADER_PREFIX": "Token", "TOKEN_TTL": ttl}):
        api_client.post("/api/auth/login/", {"email": user.email, "password": password})

    after = timezone.now()
    token = AuthToken.objects.get(user=user)
    assert before + ttl <= token.expiry <= after + ttl


@pytest.mark.django_db
def test_an_expired_token_is_refused_and_removed(user_client, user):
    AuthToken.objects.filter(user=user).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )

    response = user_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"
    assert not AuthToken.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_login_deletes_the_users_expired_tokens_and_keeps_the_live_ones(
    api_client, user, password
):
    live, expired = client_for(user), client_for(user)
    AuthToken.objects.filter(token_key=key_of(expired)[:15]).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )

    api_client.post("/api/auth/login/", {"email": user.email, "password": password})

    assert AuthToken.objects.filter(user=user).count() == 2
    assert not AuthToken.objects.filter(token_key=key_of(expired)[:15]).exists()
    assert live.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
def test_a_signed_in_request_spends_one_query_on_its_token(
    user, django_assert_num_queries
):
    client = client_for(user)
    for _ in range(5):
        client_for(user)

    # One query finds the token with its user; `me` needs nothing more.
    with django_assert_num_queries(1):
        response = client.get("/api/auth/me/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_token_of_a_deactivated_user_is_refused(user_client, user):
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = user_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.json()["errors"] == [
        {
            "code": "authentication_failed",
            "detail": "User inactive or deleted.",
            "attr": None,
        }
    ]


@pytest.mark.django_db
def test_logout_revokes_the_token_it_was_sent_with(user_client, user):
    response = user_client.post("/api/auth/logout/")

    assert response.status_code == 204
    assert response.content == b""
    assert not AuthToken.objects.filter(user=user).exists()
    after = user_client.get("/api/auth/me/")
    assert after.status_code == 401
    assert after.json()["errors"][0]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_logout_leaves_the_users_other_sessions_alone(user):
    laptop, phone = client_for(user), client_for(user)

    laptop.post("/api/auth/logout/")

    assert phone.get("/api/auth/me/").status_code == 200
    assert AuthToken.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_logout_with_a_revoked_token_is_a_401(user_client):
    user_client.post("/api/auth/logout/")

    response = user_client.post("/api/auth/logout/")

    assert response.status_code == 401


@pytest.mark.django_db
def test_the_header_needs_the_token_prefix(user):
    key = key_of(client_for(user))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=key)

    response = client.get("/api/auth/me/")

    assert response.status_code == 401
