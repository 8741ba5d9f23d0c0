"""
Failed token authentications are limited per client address: past the
rate THROTTLE_FAILED_TOKEN, each further failure from that address gets a
429 with Retry-After until the window closes. Valid tokens, requests
without a token and the guest routes are not affected.
"""

import os
import socket
import time
import uuid

import pytest
from django.core.cache import cache

from conftest import client_for
from ravoos_pansy.tests.backing_services import require_redis

ME_URL = "/api/auth/me/"
BAD_TOKEN = "Token " + "ab" * 32
ADDRESS = "198.51.100.30"
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def refused_body(seconds):
    return {
        "type": "client_error",
        "errors": [
            {
                "code": "throttled",
                "detail": (
                    "Too many requests with an invalid token. "
                    f"Expected available in {seconds} seconds."
                ),
                "attr": None,
            }
        ],
    }


@pytest.fixture
def failed_token_rate(settings):
    settings.THROTTLE_FAILED_TOKEN = "3/min"
    return settings


def with_token(client, header=BAD_TOKEN, address=ADDRESS, path=ME_URL):
    return client.get(path, HTTP_AUTHORIZATION=header, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_past_the_rate_a_bad_token_gets_a_429_with_retry_after(
    api_client, failed_token_rate
):
    failures = [with_token(api_client) for _ in range(3)]

    refused = with_token(api_client)

    assert [r.status_code for r in failures] == [401] * 3
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused.json() == refused_body(60)


@pytest.mark.django_db
def test_a_valid_token_still_works_from_the_refused_address_and_elsewhere(
    api_client, failed_token_rate, user, django_assert_num_queries
):
    for _ in range(4):
        with_token(api_client)
    key = client_for(user)._credentials["HTTP_AUTHORIZATION"]

    elsewhere = with_token(api_client, key, address="203.0.113.30")
    # The request before cached the token's look-up, and a refused address
    # adds no query of its own.
    with django_assert_num_queries(0):
        from_there = with_token(api_client, key)
    still_refused = with_token(api_client)

    assert (elsewhere.status_code, from_there.status_code) == (200, 200)
    assert from_there.json()["id"] == user.pk
    assert still_refused.status_code == 429


@pytest.mark.django_db
def test_a_refused_address_can_still_browse_without_a_token_and_log_in(
    api_client, failed_token_rate, user, password
):
    for _ in range(4):
        with_token(api_client)

    catalog = api_client.get("/api/products/", REMOTE_ADDR=ADDRESS)
    login = api_client.post(
        "/api/auth/login/",
        {"email": user.email, "password": password},
        HTTP_AUTHORIZATION=BAD_TOKEN,
        REMOTE_ADDR=ADDRESS,
    )

    assert catalog.status_code == 200
    assert login.status_code == 200


@pytest.mark.django_db
def test_valid_tokens_use_up_no_failures(api_client, failed_token_rate, user):
    key = client_for(user)._credentials["HTTP_AUTHORIZATION"]
    successes = [with_token(api_client, key) for _ in range(10)]

    failures = [with_token(api_client) for _ in range(3)]
    refused = with_token(api_client)

    assert [r.status_code for r in successes] == [200] * 10
    assert [r.status_code for r in failures] == [401] * 3
    assert refused.status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["Token", "Token two parts", "Token abc\x00def", "Token " + "f" * 5000],
)
def test_malformed_token_headers_count_as_failures(
    api_client, failed_token_rate, header
):
    failures = [with_token(api_client, header) for _ in range(3)]

    refused = with_token(api_client)

    assert [r.status_code for r in failures] == [401] * 3
    assert refused.status_code == 429


@pytest.mark.django_db
def test_requests_without_a_token_or_with_another_scheme_count_nothing(
    api_client, failed_token_rate
):
    for _ in range(5):
        api_client.get(ME_URL, REMOTE_ADDR=ADDRESS)
        with_token(api_client, "Bearer something")

    response = with_token(api_client)

    assert response.status_code == 401


@pytest.mark.django_db
def test_the_refusal_ends_when_the_window_closes(api_client, settings):
    settings.THROTTLE_FAILED_TOKEN = "2/s"
    before = [with_token(api_client) for _ in range(3)]
    time.sleep(1.1)

    after = [with_token(api_client) for _ in range(3)]

    assert [r.status_code for r in before] == [401, 401, 429]
    assert [r.status_code for r in after] == [401, 401, 429]


@pytest.mark.django_db
def test_addresses_in_one_ipv6_64_share_a_count_and_another_64_does_not(
    api_client, failed_token_rate
):
    for address in ["2001:db8:5:6::1", "2001:db8:5:6::2", "2001:db8:5:6:ab::3"]:
        with_token(api_client, address=address)

    same_64 = with_token(api_client, address="2001:db8:5:6:ffff::4")
    next_64 = with_token(api_client, address="2001:db8:5:7::1")

    assert same_64.status_code == 429
    assert next_64.status_code == 401


@pytest.mark.django_db
def test_a_refused_token_is_logged_with_the_full_address(
    api_client, failed_token_rate, caplog
):
    for _ in range(3):
        with_token(api_client, address="2001:db8:5:6::1")
    caplog.clear()

    with caplog.at_level("WARNING"):
        with_token(api_client, address="2001:db8:5:6::99")

    assert [
        r.getMessage() for r in caplog.records if r.name == "accounts.authentication"
    ] == ["Refused a token from 2001:db8:5:6::99: too many failed tokens, 60 s to wait"]
    assert "ab" * 32 not in "\n".join(r.getMessage() for r in caplog.records)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_with_the_cache_out_of_reach_bad_tokens_still_get_a_401(
    api_client, failed_token_rate, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "ravoos_pansy.cache_backends.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.1, "SOCKET_TIMEOUT": 0.1},
        }
    }

    answers = [with_token(api_client) for _ in range(5)]

    assert [r.status_code for r in answers] == [401] * 5


@pytest.mark.django_db
def test_failures_are_counted_in_redis_when_it_is_the_cache(
    api_client, failed_token_rate, settings
):
    require_redis(REDIS_TEST_URL)
    settings.CACHES = {
        "default": {
            "BACKEND": "ravoos_pansy.cache_backends.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"ravoos-token-failures-{uuid.uuid4().hex}",
        }
    }
    try:
        answers = [with_token(api_client) for _ in range(4)]
        counted = cache.get(f"throttle_failed_token_{ADDRESS}")
    finally:
        # Only this test's keys: clear() would empty the whole database.
        cache.delete_pattern("*")

    assert [r.status_code for r in answers] == [401, 401, 401, 429]
    assert counted == 4
