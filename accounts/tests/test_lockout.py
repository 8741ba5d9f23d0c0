"""
The lockout against password guessing: per email and per client address,
for logins and password reset requests, with a lock that doubles each time,
exact under concurrent attempts (on the real Redis).
"""

import os
import time

import pytest
import redis
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from ravoos_pansy.tests.backing_services import require_redis
from ravoos_pansy.tests.concurrency import run_at_once

from .conftest import failed_login_warnings, locked_body

LOGIN_URL = "/api/auth/login/"
RESET_URL = "/api/auth/password/reset/"
WRONG_PASSWORD = "not-the-password"
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
REDIS_KEY_PREFIX = "ravoos-lockout-tests"


def login(client, email, password=WRONG_PASSWORD, address="198.51.100.1"):
    return client.post(
        LOGIN_URL, {"email": email, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_after_five_failures_the_next_login_is_refused_with_retry_after(
    api_client, limits, user
):
    failures = [login(api_client, user.email) for _ in range(5)]

    locked = login(api_client, user.email)

    assert [r.status_code for r in failures] == [400] * 5
    assert locked.status_code == 429
    assert locked["Retry-After"] == "60"
    assert locked.json() == locked_body(60)


@pytest.mark.django_db
def test_the_right_password_is_refused_while_the_email_is_locked(
    api_client, limits, user, password
):
    for _ in range(6):
        login(api_client, user.email)

    response = login(api_client, user.email, password)

    assert response.status_code == 429
    assert not AuthToken.objects.exists()
    user.refresh_from_db()
    assert user.last_login is None


@pytest.mark.django_db
def test_each_lock_that_runs_out_lets_one_attempt_through_then_doubles(
    api_client, limits, user, clock
):
    for _ in range(5):
        login(api_client, user.email)
    first_lock = login(api_client, user.email)
    clock(30)
    still_locked = login(api_client, user.email)
    clock(31)

    after_first_lock = login(api_client, user.email)
    second_lock = login(api_client, user.email)
    clock(121)
    after_second_lock = login(api_client, user.email)
    third_lock = login(api_client, user.email)

    assert (first_lock.status_code, first_lock["Retry-After"]) == (429, "60")
    assert (still_locked.status_code, still_locked["Retry-After"]) == (429, "30")
    assert after_first_lock.status_code == 400
    assert (second_lock.status_code, second_lock["Retry-After"]) == (429, "120")
    assert after_second_lock.status_code == 400
    assert (third_lock.status_code, third_lock["Retry-After"]) == (429, "240")


@pytest.mark.django_db
def test_the_lock_never_grows_past_the_maximum(api_client, limits, user, clock):
    limits.LOCKOUT_MAX_SECONDS = 100
    for _ in range(6):
        login(api_client, user.email)
    clock(61)
    login(api_client, user.email)

    locked = login(api_client, user.email)

    assert locked["Retry-After"] == "100"


@pytest.mark.django_db
def test_a_lock_that_ran_out_lets_the_right_password_in_and_clears_the_count(
    api_client, limits, user, password, clock
):
    for _ in range(6):
        login(api_client, user.email)
    clock(61)

    success = login(api_client, user.email, password)
    failures_after = [login(api_client, user.email) for _ in range(5)]
    locked_again = login(api_client, user.email)

    assert success.status_code == 200
    assert [r.status_code for r in failures_after] == [400] * 5
    assert (locked_again.status_code, locked_again["Retry-After"]) == (429, "60")


@pytest.mark.django_db
def test_a_successful_login_clears_the_failures_of_its_email(
    api_client, limits, user, password
):
    for _ in range(4):
        login(api_client, user.email)

    success = login(api_client, user.email, password)
    failures_after = [login(api_client, user.email) for _ in range(5)]

    assert success.status_code == 200
    assert [r.status_code for r in failures_after] == [400] * 5
    assert login(api_client, user.email).status_code == 429


@pytest.mark.django_db
def test_a_locked_email_stays_locked_from_any_address_and_in_any_case(
    api_client, limits, user, password
):
    for n in range(6):
        login(api_client, user.email, address=f"203.0.113.{n}")

    response = login(api_client, user.email.upper(), password, address="192.0.2.9")

    assert response.status_code == 429
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_failures_from_one_address_lock_it_for_every_email(
    api_client, limits, password
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 3
    victim = UserFactory()
    failures = [login(api_client, f"guess{n}@example.com") for n in range(3)]

    from_there = login(api_client, victim.email, password)
    from_elsewhere = login(api_client, victim.email, password, address="198.51.100.2")

    assert [r.status_code for r in failures] == [400] * 3
    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 200
    assert AuthToken.objects.count() == 1


@pytest.mark.django_db
def test_failures_from_addresses_in_one_ipv6_64_lock_the_whole_64(
    api_client, limits, password
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 3
    victim = UserFactory()
    rotating = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ff"]
    failures = [
        login(api_client, f"guess{n}@example.com", address=address)
        for n, address in enumerate(rotating)
    ]

    same_64 = login(api_client, victim.email, password, address="2001:db8:1:2::abcd")
    next_64 = login(api_client, victim.email, password, address="2001:db8:1:3::1")

    assert [r.status_code for r in failures] == [400] * 3
    assert (same_64.status_code, same_64["Retry-After"]) == (429, "60")
    assert next_64.status_code == 200
    assert AuthToken.objects.count() == 1


@pytest.mark.django_db
def test_ipv4_addresses_are_locked_one_by_one(api_client, limits, password):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 2
    victim = UserFactory()
    for n in range(2):
        login(api_client, f"guess{n}@example.com", address="198.51.100.7")

    same_address = login(api_client, victim.email, password, address="198.51.100.7")
    neighbour = login(api_client, victim.email, password, address="198.51.100.8")

    assert same_address.status_code == 429
    assert neighbour.status_code == 200


@pytest.mark.django_db
def test_a_refused_attempt_is_logged_with_the_full_ipv6_address(
    api_client, limits, caplog
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 1
    login(api_client, "guess@example.com", address="2001:db8:1:2::1")

    with caplog.at_level("WARNING", logger="accounts.lockout"):
        login(api_client, "other@example.com", address="2001:db8:1:2::99")

    assert [r.getMessage() for r in caplog.records if r.name == "accounts.lockout"] == [
        "Refused an attempt on lockout:login:address:2001:db8:1:2::/64 from "
        "2001:db8:1:2::99: 1 attempts used, 60 s to wait"
    ]


@pytest.mark.django_db
def test_successful_logins_do_not_use_up_a_shared_address(api_client, limits, password):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 2
    colleagues = UserFactory.create_batch(4)

    answers = [login(api_client, person.email, password) for person in colleagues]

    assert [r.status_code for r in answers] == [200] * 4


@pytest.mark.django_db
def test_correct_logins_from_an_address_whose_lock_ran_out_are_never_locked_out(
    api_client, limits, password, clock
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 3
    colleagues = UserFactory.create_batch(4)
    failures = [login(api_client, f"typo{n}@example.com") for n in range(3)]
    first_lock = login(api_client, colleagues[0].email, password)
    clock(61)

    answers = []
    for person in colleagues:
        answers.append(login(api_client, person.email, password))
        clock(1)

    assert [r.status_code for r in failures] == [400] * 3
    assert (first_lock.status_code, first_lock["Retry-After"]) == (429, "60")
    assert [r.status_code for r in answers] == [200] * 4
    assert AuthToken.objects.count() == 4


@pytest.mark.django_db
def test_correct_logins_do_not_lengthen_the_next_lock_of_their_address(
    api_client, limits, password, clock
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 3
    colleagues = UserFactory.create_batch(3)
    for n in range(4):
        login(api_client, f"typo{n}@example.com")
    clock(61)
    for person in colleagues:
        login(api_client, person.email, password)

    failure = login(api_client, "typo9@example.com")
    locked = login(api_client, colleagues[0].email, password)

    # The second lock of the address: 120 s, as if the logins never came.
    assert failure.status_code == 400
    assert (locked.status_code, locked["Retry-After"]) == (429, "120")


@pytest.mark.django_db
def test_an_attempt_refused_for_its_locked_email_leaves_no_lock_on_its_address(
    api_client, limits, user, password, clock
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 3
    colleague = UserFactory()
    for n in range(4):
        login(api_client, f"typo{n}@example.com")
    clock(61)
    for n in range(6):
        login(api_client, user.email, address=f"203.0.113.{n}")

    refused = login(api_client, user.email, password)
    colleague_login = login(api_client, colleague.email, password)

    assert (refused.status_code, refused["Retry-After"]) == (429, "60")
    assert colleague_login.status_code == 200
    assert list(AuthToken.objects.values_list("user", flat=True)) == [colleague.pk]


@pytest.mark.django_db
def test_password_reset_requests_are_locked_past_the_limit_and_send_no_mail(
    api_client, limits, user, mailoutbox, django_capture_on_commit_callbacks
):
    limits.LOCKOUT_FAILURES_PER_EMAIL = 2

    with django_capture_on_commit_callbacks(execute=True):
        answers = [api_client.post(RESET_URL, {"email": user.email}) for _ in range(3)]

    assert [r.status_code for r in answers] == [202, 202, 429]
    assert answers[2]["Retry-After"] == "60"
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_reset_requests_for_an_unknown_email_are_locked_alike(api_client, limits):
    limits.LOCKOUT_FAILURES_PER_EMAIL = 2

    answers = [
        api_client.post(RESET_URL, {"email": "nobody@example.com"}) for _ in range(3)
    ]

    assert [r.status_code for r in answers] == [202, 202, 429]


@pytest.mark.django_db
def test_reset_requests_and_logins_are_counted_apart(
    api_client, limits, user, password
):
    limits.LOCKOUT_FAILURES_PER_EMAIL = 1
    api_client.post(RESET_URL, {"email": user.email})

    response = login(api_client, user.email, password)

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_failed_login_is_logged_as_a_warning_with_the_address_and_no_password(
    api_client, limits, user, caplog
):
    secret = "Wr0ng-but-secret!"

    with caplog.at_level("INFO"):
        login(api_client, user.email, secret, address="198.51.100.23")

    warnings = failed_login_warnings(caplog)
    assert len(warnings) == 1
    assert warnings[0].startswith("Failed login for email ")
    assert warnings[0].endswith(" from 198.51.100.23")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in logged
    assert user.email not in logged


# --- Concurrent attempts, counted in the real Redis ---------------------------


@pytest.fixture
def redis_cache(settings):
    """
    The default cache in the real Redis, under a key prefix of its own whose
    keys are removed before and after the test.
    """
    require_redis(REDIS_TEST_URL)
    server = redis.Redis.from_url(REDIS_TEST_URL)

    def remove_keys():
        for key in server.scan_iter(match=f"{REDIS_KEY_PREFIX}:*"):
            server.delete(key)

    remove_keys()
    settings.CACHES = {
        "default": {
            "BACKEND": "ravoos_pansy.cache_backends.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
    yield server
    remove_keys()
    server.close()


def attempt_at_once(count, send):
    """Runs `send(client, n)` from `count` threads at once; the status codes."""
    responses = run_at_once(
        *(lambda n=n: send(APIClient(), n) for n in range(count)), timeout=30
    )
    return [response.status_code for response in responses]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_wrong_passwords_check_the_password_only_five_times(
    limits, redis_cache
):
    target = UserFactory()

    answers = attempt_at_once(20, lambda client, n: login(client, target.email))

    assert sorted(answers) == [400] * 5 + [429] * 15
    assert not AuthToken.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_from_one_address_at_many_emails_stop_at_its_limit(
    limits, redis_cache
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 5

    answers = attempt_at_once(
        20, lambda client, n: login(client, f"guess{n}@example.com")
    )

    assert sorted(answers) == [400] * 5 + [429] * 15
    assert redis_cache.keys(
        f"{REDIS_KEY_PREFIX}:*lockout:login:address:198.51.100.1:lock"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_correct_logins_past_a_lock_that_ran_out_leave_it_as_it_was(
    limits, redis_cache, password
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 3
    limits.LOCKOUT_BASE_SECONDS = 1
    colleagues = UserFactory.create_batch(10)
    for n in range(4):
        login(APIClient(), f"typo{n}@example.com")
    time.sleep(1.1)  # the first lock, of one second, runs out

    answers = attempt_at_once(
        10, lambda client, n: login(client, colleagues[n].email, password)
    )
    after = login(APIClient(), colleagues[0].email, password)

    # The lock each success started held the others back while it checked
    # its password (a 429), and was taken back with its doubling after.
    assert set(answers) <= {200, 429}
    assert 200 in answers
    assert AuthToken.objects.count() == answers.count(200) + 1
    assert after.status_code == 200
    assert cache.get("lockout:login:address:198.51.100.1:strikes") == 1
    assert cache.get("lockout:login:address:198.51.100.1:lock") is None
