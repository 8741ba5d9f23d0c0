"""
A token's look-up is cached, so a signed-in request runs no query to
authenticate; every way a token or its user changes ends the cached
look-up at once. Most clients below send a request first (`signed_in`),
so that their token is cached when the change comes.
"""

import pickle
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from knox.crypto import hash_token
from knox.models import AuthToken

from accounts import caching
from conftest import client_for

pytestmark = pytest.mark.django_db

ME = "/api/auth/me/"
NEW_PASSWORD = "cobalt-harbour-1999"


def signed_in(user):
    """A client whose token's look-up is cached."""
    client = client_for(user)
    assert client.get(ME).status_code == 200
    return client


def digest_of(client):
    key = client._credentials["HTTP_AUTHORIZATION"].removeprefix("Token ")
    return hash_token(key)


def test_a_signed_in_request_runs_no_query_to_authenticate(
    user, django_assert_num_queries
):
    client = signed_in(user)

    with django_assert_num_queries(0):
        response = client.get(ME)

    assert response.json()["email"] == user.email


def log_out(*, client, **_):
    assert client.post("/api/auth/logout/").status_code == 204


def change_password_elsewhere(*, user, password, **_):
    response = client_for(user).post(
        "/api/auth/password/",
        {"old_password": password, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 200


def change_password_in_the_admin(*, user, admin_client, **_):
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


def deactivate(*, user, **_):
    user.is_active = False
    user.save(update_fields=["is_active"])


def delete_the_user(*, user, **_):
    user.delete()


def delete_the_tokens(*, user, **_):
    AuthToken.objects.filter(user=user).delete()


@pytest.mark.parametrize(
    "revoke",
    [
        log_out,
        change_password_elsewhere,
        change_password_in_the_admin,
        deactivate,
        delete_the_user,
        delete_the_tokens,
    ],
)
def test_a_cached_token_stops_working_as_soon_as_it_is_revoked(
    user, password, admin_client, revoke
):
    client = signed_in(user)

    revoke(user=user, client=client, password=password, admin_client=admin_client)

    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_staff_rights_taken_away_apply_to_the_next_request(staff_user):
    client = signed_in(staff_user)
    assert client.get("/api/admin/orders/").status_code == 200

    staff_user.is_staff = False
    staff_user.save()

    assert client.get("/api/admin/orders/").status_code == 403


def test_a_profile_change_is_seen_by_the_next_request(user_client):
    user_client.get(ME)

    user_client.patch(ME, {"name": "Ada Lovelace"}, format="json")

    assert user_client.get(ME).json()["name"] == "Ada Lovelace"


def test_a_cached_token_past_its_expiry_is_refused_and_removed(user):
    client = signed_in(user)
    expiry = AuthToken.objects.get(user=user).expiry

    later = expiry + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.get(ME)

    assert response.status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_a_look_up_stored_after_the_revocation_is_never_served(user):
    """
    A request that read the token just before it was revoked may store its
    look-up just after: the revocation drew a new generation, so that late
    look-up is stamped with one that is no longer current.
    """
    client = client_for(user)
    digest = digest_of(client)
    token = AuthToken.objects.select_related("user").get(digest=digest)
    slot = caching.lookup(digest)

    token.delete()
    caching.remember(slot, token)

    assert client.get(ME).status_code == 401


def test_the_password_hash_is_not_cached(user):
    client = signed_in(user)

    cached = caching.lookup(digest_of(client)).value

    assert cached is not None
    assert user.password.encode() not in pickle.dumps(cached)


def test_a_user_from_the_cache_keeps_their_password_through_a_profile_change(
    user, password, api_client
):
    client = signed_in(user)

    client.patch(ME, {"name": "Ada Lovelace"}, format="json")

    login = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": password}
    )
    assert login.status_code == 200


def test_a_user_from_the_cache_can_change_their_password(user, password, api_client):
    client = signed_in(user)

    response = client.post(
        "/api/auth/password/",
        {"old_password": password, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    login = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": NEW_PASSWORD}
    )
    assert login.status_code == 200


def test_a_look_up_is_cached_for_a_minute_at_most(user):
    client = client_for(user)

    with mock.patch.object(cache, "set", wraps=cache.set) as cache_set:
        client.get(ME)

    stored = [call for call in cache_set.call_args_list if ":token:" in call.args[0]]
    assert [call.kwargs["timeout"] for call in stored] == [caching.TOKEN_SECONDS]
    assert caching.TOKEN_SECONDS == 60


def test_a_made_up_key_leaves_nothing_in_the_cache_for_longer_than_a_minute(
    api_client,
):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "ab" * 32)

    with mock.patch.object(cache, "add", wraps=cache.add) as cache_add:
        response = api_client.get(ME)

    assert response.status_code == 401
    drawn = [
        call
        for call in cache_add.call_args_list
        if call.args[0].startswith("generation:token:")
    ]
    assert [call.kwargs["timeout"] for call in drawn] == [caching.TOKEN_SECONDS]
