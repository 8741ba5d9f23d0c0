"""
The Django admin's login passes the same lockout as the API's: per email
and per client address, counted in the same counters, logged alike.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from knox.models import AuthToken

from accounts.tests.factories import UserFactory

from .conftest import failed_login_warnings

ADMIN_LOGIN_URL = "/admin/login/"
API_LOGIN_URL = "/api/auth/login/"
WRONG_PASSWORD = "not-the-password"
INVALID_LOGIN = (
    "Please enter the correct email and password for a staff account. "
    "Note that both fields may be case-sensitive."
)


def locked_message(seconds):
    return (
        "Too many failed attempts for this email or from this address. "
        f"Try again in {seconds} seconds."
    )


@pytest.fixture
def browser():
    return Client()


def admin_login(client, email, password=WRONG_PASSWORD, address="198.51.100.1"):
    return client.post(
        ADMIN_LOGIN_URL,
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def api_login(client, email, password=WRONG_PASSWORD, address="198.51.100.1"):
    return client.post(
        API_LOGIN_URL, {"email": email, "password": password}, REMOTE_ADDR=address
    )


def form_errors(response):
    return response.context["form"].non_field_errors()


def is_logged_in(client):
    return SESSION_KEY in client.session


@pytest.mark.django_db
def test_after_five_failures_the_right_password_is_refused_until_the_lock_runs_out(
    browser, limits, clock, staff_user, password
):
    failures = [admin_login(browser, staff_user.email) for _ in range(5)]

    locked = admin_login(browser, staff_user.email, password)
    locked_user = type(staff_user).objects.get(pk=staff_user.pk)
    clock(61)
    after_the_lock = admin_login(browser, staff_user.email, password)

    assert [r.status_code for r in failures] == [200] * 5
    assert [form_errors(r) for r in failures] == [[INVALID_LOGIN]] * 5
    assert locked.status_code == 200
    assert form_errors(locked) == [locked_message(60)]
    assert locked_user.last_login is None
    assert (after_the_lock.status_code, after_the_lock["Location"]) == (302, "/admin/")
    assert browser.session[SESSION_KEY] == str(staff_user.pk)


@pytest.mark.django_db
def test_a_locked_admin_login_starts_no_session(browser, limits, staff_user, password):
    for _ in range(6):
        admin_login(browser, staff_user.email)

    admin_login(browser, staff_user.email, password)

    assert not is_logged_in(browser)
    assert browser.get("/admin/").status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.last_login is None


@pytest.mark.django_db
def test_admin_and_api_failures_fill_the_same_count(
    browser, api_client, limits, staff_user, password
):
    for _ in range(3):
        admin_login(browser, staff_user.email)
    for _ in range(2):
        api_login(api_client, staff_user.email)

    from_the_api = api_login(api_client, staff_user.email, password)
    from_the_admin = admin_login(browser, staff_user.email, password)

    assert (from_the_api.status_code, from_the_api["Retry-After"]) == (429, "60")
    assert form_errors(from_the_admin) == [locked_message(60)]
    assert not AuthToken.objects.exists()
    assert not is_logged_in(browser)


@pytest.mark.django_db
def test_an_api_failure_counts_once_toward_the_admin_lock(
    browser, api_client, limits, staff_user, password
):
    for _ in range(4):
        api_login(api_client, staff_user.email)

    response = admin_login(browser, staff_user.email, password)

    assert response.status_code == 302
    assert is_logged_in(browser)


@pytest.mark.django_db
def test_a_good_admin_login_clears_the_failures_of_its_email(
    browser, limits, staff_user, password
):
    for _ in range(4):
        admin_login(browser, staff_user.email)
    admin_login(browser, staff_user.email, password)
    browser.logout()

    failures_after = [admin_login(browser, staff_user.email) for _ in range(5)]
    locked = admin_login(browser, staff_user.email)

    assert [form_errors(r) for r in failures_after] == [[INVALID_LOGIN]] * 5
    assert form_errors(locked) == [locked_message(60)]


@pytest.mark.django_db
def test_failures_from_one_address_lock_the_admin_login_from_there_only(
    browser, limits, staff_user, password
):
    limits.LOCKOUT_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        admin_login(browser, f"guess{n}@example.com")

    from_there = admin_login(browser, staff_user.email, password)
    from_elsewhere = admin_login(
        browser, staff_user.email, password, address="203.0.113.9"
    )

    assert form_errors(from_there) == [locked_message(60)]
    assert from_elsewhere.status_code == 302
    assert browser.session[SESSION_KEY] == str(staff_user.pk)


@pytest.mark.django_db
def test_the_email_is_locked_in_any_case(browser, limits, staff_user, password):
    for _ in range(5):
        admin_login(browser, staff_user.email)

    response = admin_login(browser, staff_user.email.upper(), password)

    assert form_errors(response) == [locked_message(60)]
    assert not is_logged_in(browser)


@pytest.mark.django_db
def test_a_customer_with_the_right_password_is_still_refused(browser, limits, password):
    customer = UserFactory()

    response = admin_login(browser, customer.email, password)

    assert form_errors(response) == [INVALID_LOGIN]
    assert not is_logged_in(browser)


@pytest.mark.django_db
def test_a_failed_admin_login_is_logged_as_a_warning_with_the_address_and_no_password(
    browser, limits, staff_user, caplog
):
    secret = "Wr0ng-but-secret!"

    with caplog.at_level("INFO"):
        admin_login(browser, staff_user.email, secret, address="198.51.100.23")

    warnings = failed_login_warnings(caplog)
    assert len(warnings) == 1
    assert warnings[0].startswith("Failed login for email ")
    assert warnings[0].endswith(" from 198.51.100.23")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in logged
    assert staff_user.email not in logged


@pytest.mark.django_db
def test_a_locked_admin_login_is_logged_as_a_warning(
    browser, limits, staff_user, password, caplog
):
    for _ in range(6):
        admin_login(browser, staff_user.email, address="198.51.100.24")
    caplog.clear()

    with caplog.at_level("WARNING"):
        admin_login(browser, staff_user.email, password, address="198.51.100.24")

    refusals = [r.getMessage() for r in caplog.records if r.name == "accounts.lockout"]
    assert len(refusals) == 1
    assert refusals[0].startswith("Refused an attempt on lockout:login:email:")
    assert refusals[0].endswith(" from 198.51.100.24: locked, 60 s to wait")
    assert password not in "\n".join(r.getMessage() for r in caplog.records)
