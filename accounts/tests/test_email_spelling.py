"""
One spelling of an email is stored, looked up and counted by the lockout
and the throttles: lower case, without surrounding spaces.

On PostgreSQL a case-insensitive lookup compares UPPER() of both sides,
and UPPER() folds spellings together that lower-casing keeps apart: a
dotless i (U+0131) becomes I, a long s (U+017F) becomes S. Such a spelling
is another address here. It does not log in as the account, and so cannot
escape the account's lockout by counting in a fresh one.
"""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken

from accounts.models import User
from accounts.tests.factories import StaffFactory, UserFactory
from ravoos_pansy.throttling import email_digest

from .conftest import INVALID_CREDENTIALS

LOGIN_URL = "/api/auth/login/"
SIGNUP_URL = "/api/auth/signup/"
RESET_URL = "/api/auth/password/reset/"
WRONG_PASSWORD = "not-the-password"

DOTLESS_I = "\u0131"
LONG_S = "\u017f"
KELVIN_SIGN = "\u212a"  # lower-cases to k
CAPITAL_I_WITH_DOT = "\u0130"  # lower-cases to i and a combining dot

# (the stored email, a spelling PostgreSQL's UPPER() folds into it)
DATABASE_FOLDED = [
    ("admin@example.com", f"adm{DOTLESS_I}n@example.com"),
    ("sam@example.com", f"{LONG_S}am@example.com"),
]


def login(client, email, password=WRONG_PASSWORD):
    return client.post(LOGIN_URL, {"email": email, "password": password})


# --- Spellings only the database would fold together (PostgreSQL) ----------


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(("stored", "spelling"), DATABASE_FOLDED)
def test_a_spelling_the_database_folds_together_does_not_log_in_as_the_account(
    api_client, password, stored, spelling
):
    UserFactory(email=stored)

    response = login(api_client, spelling, password)

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert not AuthToken.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(("stored", "spelling"), DATABASE_FOLDED)
def test_a_locked_account_stays_locked_to_a_spelling_the_database_folds_together(
    api_client, limits, password, stored, spelling
):
    account = UserFactory(email=stored)
    for _ in range(5):
        login(api_client, stored)

    locked = login(api_client, stored, password)
    folded = login(api_client, spelling, password)

    assert locked.status_code == 429
    assert folded.status_code == 400
    assert not AuthToken.objects.exists()
    account.refresh_from_db()
    assert account.last_login is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_admin_login_does_not_take_a_spelling_the_database_folds_together(
    limits, password
):
    admin = StaffFactory(email="admin@example.com")
    browser = Client()

    response = browser.post(
        "/admin/login/",
        {"username": f"adm{DOTLESS_I}n@example.com", "password": password},
    )

    assert response.status_code == 200
    assert SESSION_KEY not in browser.session
    admin.refresh_from_db()
    assert admin.last_login is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_password_reset_for_a_spelling_the_database_folds_together_mails_nobody(
    api_client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="admin@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET_URL, {"email": f"adm{DOTLESS_I}n@example.com"})

    assert response.status_code == 202
    assert mailoutbox == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_spelling_the_database_folds_together_signs_up_as_its_own_account(
    api_client, password
):
    existing = UserFactory(email="admin@example.com")
    spelling = f"adm{DOTLESS_I}n@example.com"

    signup = api_client.post(
        SIGNUP_URL, {"email": spelling, "name": "Other", "password": "Str0ng-pass!"}
    )
    as_existing = login(api_client, "admin@example.com", password)

    assert signup.status_code == 201
    assert signup.json()["user"]["email"] == spelling
    assert signup.json()["user"]["id"] != existing.pk
    assert as_existing.json()["user"]["id"] == existing.pk
    assert sorted(User.objects.values_list("email", flat=True)) == sorted(
        ["admin@example.com", spelling]
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_ensure_admin_does_not_promote_an_account_the_database_folds_together(
    monkeypatch,
):
    customer = UserFactory(email="admin@example.com")
    spelling = f"adm{DOTLESS_I}n@example.com"
    monkeypatch.setenv("ADMIN_EMAIL", spelling)
    monkeypatch.setenv("ADMIN_PASSWORD", "granite-orchid-2077")

    call_command("ensure_admin")

    customer.refresh_from_db()
    assert (customer.is_staff, customer.is_superuser) == (False, False)
    assert customer.check_password("granite-orchid-2077") is False
    assert User.objects.get(is_superuser=True).email == spelling


# --- Spellings Python lower-cases together (every database) ------------------


@pytest.mark.django_db
def test_a_spelling_that_lower_cases_to_the_email_logs_in_as_the_account(
    api_client, password
):
    account = UserFactory(email="kim@example.com")

    response = login(api_client, f"{KELVIN_SIGN}im@example.com", password)

    assert response.status_code == 200
    assert response.json()["user"]["id"] == account.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spelling",
    ["KIM@EXAMPLE.COM", "  Kim@Example.com ", f"{KELVIN_SIGN}im@example.com"],
)
def test_every_spelling_that_logs_in_as_the_account_is_locked_with_it(
    api_client, limits, password, spelling
):
    UserFactory(email="kim@example.com")
    for _ in range(5):
        login(api_client, "kim@example.com")

    response = login(api_client, spelling, password)

    assert response.status_code == 429
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spelling",
    [
        "Kim@Example.COM",
        " kim@example.com ",
        f"{KELVIN_SIGN}im@example.com",
        f"k{DOTLESS_I}m@example.com",
        f"{LONG_S}am@example.com",
        f"{CAPITAL_I_WITH_DOT}nci@example.com",
    ],
)
def test_the_counters_key_on_the_one_spelling_that_is_looked_up(spelling):
    account = UserFactory(email=spelling)

    assert User.objects.with_email(spelling).get() == account
    assert account.email == User.objects.normalize_email(spelling)
    assert email_digest(spelling) == email_digest(account.email)


@pytest.mark.django_db
def test_an_email_is_stored_normalised_however_the_row_is_written():
    user = User.objects.create(email="  Mixed.Case@Example.COM ", name="Mixed")

    user.refresh_from_db()
    assert user.email == "mixed.case@example.com"


@pytest.mark.django_db
def test_signup_refuses_an_email_that_lower_casing_makes_too_long(api_client):
    email = f"{CAPITAL_I_WITH_DOT}{'a' * 241}@example.com"
    assert len(email) == 254

    response = api_client.post(
        SIGNUP_URL, {"email": email, "name": "Long", "password": "Str0ng-pass!"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "max_length",
            "detail": "Ensure this field has no more than 254 characters.",
            "attr": "email",
        }
    ]
    assert not User.objects.exists()


# --- The migration that normalises stored emails ----------------------------


@pytest.fixture
def normalise_stored_emails():
    migration = importlib.import_module(
        "accounts.migrations.0002_normalise_stored_emails"
    )
    return lambda: migration.normalise_stored_emails(apps, schema_editor=None)


@pytest.mark.django_db
def test_the_migration_stores_every_email_normalised(normalise_stored_emails):
    mixed, clean = UserFactory.create_batch(2)
    # update() writes past the model's save(), as older code could.
    User.objects.filter(pk=mixed.pk).update(email=" Asha.Rao@Example.COM")

    normalise_stored_emails()

    assert dict(User.objects.values_list("pk", "email")) == {
        mixed.pk: "asha.rao@example.com",
        clean.pk: clean.email,
    }


@pytest.mark.django_db
def test_the_migration_stops_on_two_emails_that_become_one(normalise_stored_emails):
    first, second = UserFactory.create_batch(2)
    User.objects.filter(pk=first.pk).update(email="asha@example.com")
    User.objects.filter(pk=second.pk).update(email=" asha@example.com")

    with pytest.raises(RuntimeError, match=f"Users {second.pk} and {first.pk} "):
        normalise_stored_emails()

    assert dict(User.objects.values_list("pk", "email")) == {
        first.pk: "asha@example.com",
        second.pk: " asha@example.com",
    }
