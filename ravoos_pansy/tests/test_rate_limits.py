"""
Request rate limits: signup, login and password reset per client address
and per email, the API per user and per anonymous address, checkout per
user; and the client address they count by, which a client cannot forge.

The test settings give every scope a rate no test reaches; these tests set
low ones, which the throttles read on each request.
"""

import json
import time
from functools import partial

import pytest
import redis
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken
from rest_framework.request import Request

from accounts.models import User
from catalog.tests.factories import CategoryFactory
from orders.models import Order
from ravoos_pansy.network import client_address, client_identity
from ravoos_pansy.throttling import (
    AnonRateThrottle,
    AuthEmailRateThrottle,
    WindowRateThrottle,
    email_digest,
)

from .concurrency import run_at_once

SIGNUP_URL = "/api/auth/signup/"
LOGIN_URL = "/api/auth/login/"
RESET_URL = "/api/auth/password/reset/"
CONFIRM_URL = "/api/auth/password/reset/confirm/"
CATEGORIES_URL = "/api/categories/"
# JSON may escape a lone surrogate, which no UTF-8 text can hold.
SURROGATE_EMAIL = "\ud800@example.com"


def throttled_body(seconds):
    return {
        "type": "client_error",
        "errors": [
            {
                "code": "throttled",
                "detail": (
                    f"Request was throttled. Expected available in {seconds} seconds."
                ),
                "attr": None,
            }
        ],
    }


@pytest.fixture
def rates(settings):
    """Sets some throttle rates, leaving the others as the settings have them."""

    def set_rates(**scoped):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **scoped,
            },
        }

    return set_rates


@pytest.fixture
def proxies(settings):
    def set_proxies(count):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}

    return set_proxies


def wrong_login(client, email="guess@example.com", **extra):
    return client.post(
        LOGIN_URL, {"email": email, "password": "not-the-password"}, **extra
    )


# --- Signup, login and password reset ---------------------------------------


@pytest.mark.django_db
def test_logins_past_the_rate_of_one_address_answer_429_with_retry_after(
    api_client, rates
):
    rates(auth="3/min")

    answers = [wrong_login(api_client, email=f"guess{n}@example.com") for n in range(4)]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert answers[3]["Retry-After"] == "60"
    assert answers[3].json() == throttled_body(60)


@pytest.mark.django_db
def test_another_address_still_logs_in_while_one_is_throttled(
    api_client, rates, user, password
):
    rates(auth="1/min")
    wrong_login(api_client, REMOTE_ADDR="198.51.100.1")

    blocked = wrong_login(api_client, REMOTE_ADDR="198.51.100.1")
    other = api_client.post(
        LOGIN_URL,
        {"email": user.email, "password": password},
        REMOTE_ADDR="198.51.100.2",
    )

    assert blocked.status_code == 429
    assert other.status_code == 200


@pytest.mark.django_db
def test_signups_share_the_rate_of_their_address_and_a_refused_one_creates_nothing(
    api_client, rates
):
    rates(auth="2/min")

    answers = [
        api_client.post(
            SIGNUP_URL,
            {"email": f"new{n}@example.com", "name": "New", "password": "Str0ng-pass!"},
        )
        for n in range(3)
    ]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert list(User.objects.order_by("email").values_list("email", flat=True)) == [
        "new0@example.com",
        "new1@example.com",
    ]


@pytest.mark.django_db
def test_one_email_is_throttled_from_every_address_in_any_case(api_client, rates):
    rates(auth_email="2/min")

    answers = [
        wrong_login(api_client, email=email, REMOTE_ADDR=f"203.0.113.{n}")
        for n, email in enumerate(
            ["Target@Example.com", "target@example.com", " TARGET@EXAMPLE.COM"]
        )
    ]
    other_email = wrong_login(api_client, email="other@example.com")

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert other_email.status_code == 400


@pytest.mark.django_db
def test_password_reset_requests_count_against_the_same_limits(
    api_client, rates, mailoutbox, user, django_capture_on_commit_callbacks
):
    rates(auth_email="1/min")

    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.post(RESET_URL, {"email": user.email})
        second = api_client.post(RESET_URL, {"email": user.email.upper()})

    assert (first.status_code, second.status_code) == (202, 429)
    assert len(mailoutbox) == 1


def test_the_email_throttle_keys_by_a_digest_never_the_address_itself():
    throttle = AuthEmailRateThrottle()
    factory = RequestFactory()

    def key_for(email):
        request = factory.post(LOGIN_URL)
        request.data = {"email": email}
        return throttle.get_cache_key(request, view=None)

    key = key_for("Someone@Example.com")

    assert key == key_for("someone@example.com")
    assert key != key_for("someone@example.org")
    assert "someone" not in key.lower()
    assert "example" not in key.lower()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [["email", "x@example.com"], {"email": 5}, {"email": ["x@example.com"]}, {}],
    ids=["list", "number", "email-list", "empty"],
)
def test_a_body_without_a_usable_email_gets_a_400_not_a_500(api_client, rates, body):
    rates(auth_email="1/min")

    response = api_client.post(LOGIN_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [SIGNUP_URL, LOGIN_URL, RESET_URL])
def test_an_email_with_a_lone_surrogate_is_a_400_on_the_email_field(
    api_client, rates, mailoutbox, path
):
    rates(auth_email="1/min")
    body = {"email": SURROGATE_EMAIL, "name": "Asha", "password": "river-stone-4821"}

    response = api_client.generic(
        "POST", path, json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("email", "surrogate_characters_not_allowed"),
        ("email", "invalid"),
    ]
    assert not User.objects.exists()
    assert not AuthToken.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_reset_confirm_with_a_lone_surrogate_in_an_unused_email_field_works(
    api_client, rates, user
):
    rates(auth_email="1/min")
    body = {
        "email": SURROGATE_EMAIL,
        "uid": urlsafe_base64_encode(str(user.pk).encode()),
        "token": default_token_generator.make_token(user),
        "new_password": "river-stone-4821",
    }

    response = api_client.generic(
        "POST", CONFIRM_URL, json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("river-stone-4821")


def test_the_digest_of_an_email_with_a_lone_surrogate_is_its_own():
    digest = email_digest(SURROGATE_EMAIL)

    assert len(digest) == 64
    assert digest not in {email_digest("@example.com"), email_digest("?@example.com")}
    assert email_digest("Someone@Example.com") == email_digest("someone@example.com")


# --- The API as a whole and checkout ----------------------------------------


@pytest.mark.django_db
def test_anonymous_reads_are_limited_per_address(api_client, rates):
    rates(anon="2/min")

    answers = [api_client.get("/api/products/") for _ in range(3)]
    elsewhere = api_client.get("/api/products/", REMOTE_ADDR="198.51.100.9")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2]["Retry-After"] == "60"
    assert elsewhere.status_code == 200


@pytest.mark.django_db
def test_signed_in_requests_are_limited_per_user_not_per_address(
    user_client, other_client, rates
):
    rates(user="2/min", anon="1/min")

    answers = [user_client.get("/api/auth/me/") for _ in range(3)]
    other = other_client.get("/api/auth/me/")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert other.status_code == 200


@pytest.mark.django_db
def test_checkout_is_limited_per_user(user_client, other_client, rates):
    rates(checkout="1/min")

    first = user_client.post("/api/orders/checkout/", {"address_id": 1})
    second = user_client.post("/api/orders/checkout/", {"address_id": 1})
    other = other_client.post("/api/orders/checkout/", {"address_id": 1})

    # The empty cart is refused with a 400 until the limit, then a 429.
    assert first.status_code == 400
    assert second.status_code == 429
    assert second.json() == throttled_body(60)
    assert other.status_code == 400
    assert not Order.objects.exists()


# --- The client address -----------------------------------------------------


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_reset_the_count_without_proxies(
    api_client, rates, proxies
):
    proxies(0)
    rates(auth="2/min")

    answers = [
        wrong_login(
            api_client,
            email=f"guess{n}@example.com",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
        for n in range(3)
    ]

    assert [a.status_code for a in answers] == [400, 400, 429]


@pytest.mark.django_db
def test_behind_one_proxy_the_rightmost_forwarded_address_is_counted(
    api_client, rates, proxies
):
    proxies(1)
    rates(auth="2/min")

    # Each client forges a different leftmost entry; the proxy appends the
    # address it saw.
    same_client = [
        wrong_login(
            api_client,
            email=f"guess{n}@example.com",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.50",
        )
        for n in range(3)
    ]
    next_client = wrong_login(
        api_client,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.51",
    )

    assert [a.status_code for a in same_client] == [400, 400, 429]
    assert next_client.status_code == 400


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for", "expected"),
    [
        (0, None, "198.51.100.7"),
        (0, "192.0.2.1", "198.51.100.7"),
        (1, None, "198.51.100.7"),
        (1, "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        (1, "203.0.113.5", "203.0.113.5"),
        (2, "192.0.2.1, 203.0.113.5, 10.0.0.3", "203.0.113.5"),
        (2, "203.0.113.5", "203.0.113.5"),
        (1, "192.0.2.1, not-an-address", "198.51.100.7"),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
        (1, " , ", "198.51.100.7"),
        (1, "fe80::1%eth0", "fe80::1%eth0"),
        (1, "fe80::1%" + "e" * 200, "198.51.100.7"),
    ],
)
def test_client_address_trusts_only_the_configured_number_of_proxies(
    proxies, num_proxies, forwarded_for, expected
):
    proxies(num_proxies)
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", **headers)

    assert client_address(request) == expected


def test_client_address_of_a_request_without_a_peer_is_unknown(proxies):
    proxies(0)
    request = RequestFactory().get("/", REMOTE_ADDR="")

    assert client_address(request) == "unknown"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:0DB8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::1", "::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("", "unknown"),
    ],
)
def test_the_identity_a_client_is_counted_by_is_its_ipv4_address_or_ipv6_64(
    proxies, address, expected
):
    proxies(0)
    request = RequestFactory().get("/", REMOTE_ADDR=address)

    assert client_identity(request) == expected


@pytest.mark.django_db
def test_addresses_in_one_ipv6_64_share_a_count_and_another_64_does_not(
    api_client, rates
):
    rates(auth="2/min")

    rotating = [
        wrong_login(api_client, email=f"guess{n}@example.com", REMOTE_ADDR=address)
        for n, address in enumerate(
            ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"]
        )
    ]
    next_64 = wrong_login(api_client, REMOTE_ADDR="2001:db8:1:3::1")

    assert [a.status_code for a in rotating] == [400, 400, 429]
    assert next_64.status_code == 400


@pytest.mark.django_db
def test_anonymous_reads_are_counted_per_ipv6_64_and_per_ipv4_address(
    api_client, rates
):
    rates(anon="1/min")

    first = api_client.get("/api/products/", REMOTE_ADDR="2001:db8:9:9::1")
    same_64 = api_client.get("/api/products/", REMOTE_ADDR="2001:db8:9:9::2")
    next_64 = api_client.get("/api/products/", REMOTE_ADDR="2001:db8:9:a::1")
    ipv4 = api_client.get("/api/products/", REMOTE_ADDR="198.51.100.60")
    ipv4_neighbour = api_client.get("/api/products/", REMOTE_ADDR="198.51.100.61")

    assert [r.status_code for r in (first, same_64, next_64)] == [200, 429, 200]
    assert [r.status_code for r in (ipv4, ipv4_neighbour)] == [200, 200]


@pytest.mark.django_db
def test_a_throttled_ipv6_client_is_logged_with_its_full_address(
    api_client, rates, caplog
):
    rates(auth="1/min")
    wrong_login(api_client, REMOTE_ADDR="2001:db8:1:2::1")
    caplog.clear()

    with caplog.at_level("WARNING", logger="ravoos_pansy.throttling"):
        wrong_login(api_client, REMOTE_ADDR="2001:db8:1:2::77")

    assert [
        r.getMessage() for r in caplog.records if r.name.endswith("throttling")
    ] == ["Throttled POST /api/auth/login/ from 2001:db8:1:2::77 (scope auth)"]


@pytest.mark.django_db
def test_a_throttled_request_is_logged_with_its_scope_and_address(
    api_client, rates, caplog
):
    rates(auth="1/min")
    wrong_login(api_client)

    with caplog.at_level("WARNING", logger="ravoos_pansy.throttling"):
        wrong_login(api_client, REMOTE_ADDR="198.51.100.4")
        wrong_login(api_client, REMOTE_ADDR="198.51.100.4")

    assert [
        r.getMessage() for r in caplog.records if r.name.endswith("throttling")
    ] == ["Throttled POST /api/auth/login/ from 198.51.100.4 (scope auth)"]
    assert not AuthToken.objects.exists()


# --- How the throttles count -------------------------------------------------


def anonymous_read(address="198.51.100.20"):
    return Request(RequestFactory().get("/api/products/", REMOTE_ADDR=address))


def test_requests_at_the_same_moment_are_each_counted_once_in_redis(rates, redis_cache):
    rates(anon="7/min")
    throttle = AnonRateThrottle()
    throttle.allow_request(anonymous_read(), view=None)

    allowed = run_at_once(
        *[partial(AnonRateThrottle().allow_request, anonymous_read(), None)] * 30
    )

    assert allowed.count(True) == 6
    assert allowed.count(False) == 24
    assert redis_cache.get(throttle.key) == 31


def test_a_window_closes_after_the_rates_period_and_a_new_one_opens(rates):
    rates(anon="2/s")
    throttle = AnonRateThrottle()

    first = [throttle.allow_request(anonymous_read(), None) for _ in range(3)]
    time.sleep(1.1)
    second = [throttle.allow_request(anonymous_read(), None) for _ in range(3)]

    assert first == second == [True, True, False]


def test_the_wait_counts_down_from_the_first_request_of_the_window(rates, monkeypatch):
    rates(anon="1/min")
    clock = iter([1_000.0, 1_025.0])
    monkeypatch.setattr(WindowRateThrottle, "timer", lambda self: next(clock))
    throttle = AnonRateThrottle()

    allowed = [throttle.allow_request(anonymous_read(), None) for _ in range(2)]

    assert allowed == [True, False]
    assert throttle.wait() == 35


# --- Counted in the round trip of a cached read ------------------------------


@pytest.fixture
def redis_round_trips(monkeypatch):
    """The commands sent to Redis, one entry per round trip."""
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting_send(connection, command, check_health=True):
        sent.append(command)
        return send(connection, command, check_health)

    monkeypatch.setattr(
        redis.connection.AbstractConnection, "send_packed_command", counting_send
    )
    return sent


def anonymous_count_key(address="127.0.0.1"):
    return AnonRateThrottle.cache_format % {"scope": "anon", "ident": address}


@pytest.mark.django_db
def test_a_cached_read_is_counted_in_its_one_round_trip_to_redis(
    api_client, redis_cache, redis_round_trips, django_assert_num_queries
):
    CategoryFactory(name="Books")
    api_client.get(CATEGORIES_URL)  # Opens the window and caches the tree.
    redis_round_trips.clear()

    with django_assert_num_queries(0):
        response = api_client.get(CATEGORIES_URL)

    assert response.status_code == 200
    assert [node["name"] for node in response.json()] == ["Books"]
    assert len(redis_round_trips) == 1
    assert redis_cache.get(anonymous_count_key()) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", [{}, {"made_up": "1"}], ids=["cached", "a query never cached"]
)
def test_reads_past_the_anonymous_rate_are_refused_with_counts_in_redis(
    api_client, redis_cache, rates, query
):
    rates(anon="2/min")

    answers = [api_client.get("/api/products/", query) for _ in range(3)]
    elsewhere = api_client.get("/api/products/", query, REMOTE_ADDR="198.51.100.9")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2]["Retry-After"] == "60"
    assert answers[2].json() == throttled_body(60)
    assert elsewhere.status_code == 200
    assert redis_cache.get(anonymous_count_key()) == 3
    # The first count set the window's expiry, in the same atomic step.
    assert 0 < redis_cache.ttl(anonymous_count_key()) <= 60


@pytest.mark.django_db
def test_with_the_read_cache_off_reads_are_still_counted(
    api_client, redis_cache, rates, settings
):
    settings.READ_CACHE_SECONDS = 0
    rates(anon="2/min")

    answers = [api_client.get(CATEGORIES_URL) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert redis_cache.get(anonymous_count_key()) == 3


@pytest.mark.django_db
def test_a_signed_in_cached_read_is_counted_per_user_in_redis(
    user_client, other_client, redis_cache, rates
):
    rates(user="2/min", anon="1/min")

    answers = [user_client.get("/api/cart/") for _ in range(3)]
    other = other_client.get("/api/cart/")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2]["Retry-After"] == "60"
    assert other.status_code == 200
