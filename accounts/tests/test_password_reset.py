import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import connection, transaction
from django.test import override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import client_for
from ravoos_pansy.tests.concurrency import backends_waiting_on_a_lock, run_at_once

RESET_URL = "/api/auth/password/reset/"
CONFIRM_URL = "/api/auth/password/reset/confirm/"
NEW_PASSWORD = "saffron-meadow-88"
OLD_PASSWORD = "correct-horse-battery-staple"

ACCEPTED = {
    "detail": "If an account exists for this email, a link to reset its password "
    "has been sent."
}


def request_reset(client, email, capture):
    with capture(execute=True):
        return client.post(RESET_URL, {"email": email}, format="json")


def link_params(message):
    url = re.search(r"https?://\S+", message.body).group(0)
    query = parse_qs(urlsplit(url).query)
    return url, query["uid"][0], query["token"][0]


def valid_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return uid, default_token_generator.make_token(user)


@pytest.mark.django_db
def test_a_reset_request_mails_a_link_to_the_account(
    api_client, user, django_capture_on_commit_callbacks
):
    response = request_reset(api_client, user.email, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Reset your Ravoos Pansy password"
    url, uid, token = link_params(message)
    assert url.startswith("http://localhost:3000/reset-password?")
    assert uid == urlsafe_base64_encode(force_bytes(user.pk))
    assert default_token_generator.check_token(user, token)
    assert "3 hours" in message.body


@pytest.mark.django_db
def test_a_reset_request_finds_the_email_in_any_case(
    api_client, user, django_capture_on_commit_callbacks
):
    response = request_reset(
        api_client, user.email.upper(), django_capture_on_commit_callbacks
    )

    assert response.status_code == 202
    assert [message.to for message in mail.outbox] == [[user.email]]


@pytest.mark.django_db
def test_a_reset_for_an_unknown_email_gets_the_same_answer_and_no_mail(
    api_client, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)

    response = request_reset(
        api_client, "who.is.this@example.com", django_capture_on_commit_callbacks
    )

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert mail.outbox == []
    assert "who.is.this" not in caplog.text
    assert (
        "Password reset requested for an unknown or inactive account" in caplog.messages
    )


@pytest.mark.django_db
def test_an_inactive_account_gets_no_reset_mail(
    api_client, django_capture_on_commit_callbacks
):
    user = UserFactory(is_active=False)

    response = request_reset(api_client, user.email, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_reset_mail_leaves_only_after_the_transaction_commits(
    api_client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_client.post(RESET_URL, {"email": user.email}, format="json")

    assert mail.outbox == []
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_reset_link_keeps_a_query_string_already_in_the_setting(
    api_client, user, django_capture_on_commit_callbacks
):
    with override_settings(
        PASSWORD_RESET_URL="https://shop.example/account?step=reset"
    ):
        request_reset(api_client, user.email, django_capture_on_commit_callbacks)

    url, uid, _ = link_params(mail.outbox[0])
    assert url.startswith("https://shop.example/account?step=reset&uid=")
    assert uid == urlsafe_base64_encode(force_bytes(user.pk))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "email", "required"),
        ({"email": "not-an-email"}, "email", "invalid"),
        ({"email": "a" * 250 + "@example.com"}, "email", "max_length"),
    ],
)
def test_a_reset_request_needs_a_valid_email(
    api_client, body, attr, code, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET_URL, body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["attr"], error["code"]) for error in errors] == [(attr, code)]
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_whole_reset_flow_sets_the_password_and_ends_every_session(
    api_client, user, django_capture_on_commit_callbacks
):
    session = client_for(user)
    request_reset(api_client, user.email, django_capture_on_commit_callbacks)
    _, uid, token = link_params(mail.outbox[0])

    response = api_client.post(
        CONFIRM_URL,
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "detail": "Your password has been reset. Log in with the new password."
    }
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not AuthToken.objects.filter(user=user).exists()
    assert session.get("/api/auth/me/").status_code == 401
    login = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": NEW_PASSWORD}
    )
    assert login.status_code == 200


@pytest.mark.django_db
def test_a_reset_link_works_only_once(api_client, user):
    uid, token = valid_link(user)
    first = api_client.post(
        CONFIRM_URL,
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
        format="json",
    )

    second = api_client.post(
        CONFIRM_URL,
        {"uid": uid, "token": token, "new_password": "another-fresh-secret-5"},
        format="json",
    )

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["errors"] == [
        {
            "code": "invalid_token",
            "detail": "This reset link is not valid or has already been used.",
            "attr": "token",
        }
    ]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def hold_the_row_until_waited_on(user_id, *, waiters, held):
    """
    Locks the user's row in a transaction of its own, sets `held`, and
    commits (changing nothing) once `waiters` other connections wait on a
    lock.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            User.objects.select_for_update().get(pk=user_id)
            held.set()
            deadline = time.monotonic() + 30
            while len(backends_waiting_on_a_lock(cursor, "")) < waiters:
                assert time.monotonic() < deadline, "the requests never waited"
                time.sleep(0.01)
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reset_token_checked_twice_in_a_race_is_spent_by_the_first():
    user = UserFactory()
    uid, token = valid_link(user)
    passwords = [NEW_PASSWORD, "another-fresh-secret-5"]

    def confirm(new_password):
        return APIClient().post(
            CONFIRM_URL,
            {"uid": uid, "token": token, "new_password": new_password},
            format="json",
        )

    # The row is held until both requests wait on it, so both have checked
    # the link against the same password hash before either can write.
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = threading.Event()
        holder = pool.submit(
            hold_the_row_until_waited_on, user.pk, waiters=2, held=held
        )
        assert held.wait(timeout=30)
        responses = run_at_once(*(partial(confirm, p) for p in passwords))
        holder.result()

    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [200, 400]
    assert responses[statuses.index(400)].json()["errors"] == [
        {
            "code": "invalid_token",
            "detail": "This reset link is not valid or has already been used.",
            "attr": "token",
        }
    ]
    user.refresh_from_db()
    assert user.check_password(passwords[statuses.index(200)])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("uid", "token", "attr", "code"),
    [
        ("%%%", "valid", "uid", "invalid_uid"),
        ("bm90LWEtbnVtYmVy", "valid", "uid", "invalid_uid"),
        ("OTk5OTk5", "valid", "token", "invalid_token"),
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "valid", "token", "invalid_token"),
        ("mine", "1a2b3c-0123456789abcdef", "token", "invalid_token"),
        ("mine", "no-dash-at-all-xyz-", "token", "invalid_token"),
        ("mine", "", "token", "blank"),
        ("", "valid", "uid", "blank"),
    ],
)
def test_a_bad_reset_link_is_refused_and_changes_nothing(
    api_client, user, uid, token, attr, code
):
    my_uid, my_token = valid_link(user)
    uid = my_uid if uid == "mine" else uid
    token = my_token if token == "valid" else token

    response = api_client.post(
        CONFIRM_URL,
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["attr"], error["code"]) for error in errors] == [(attr, code)]
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


@pytest.mark.django_db
def test_a_reset_link_of_a_deactivated_account_is_refused(api_client, user):
    uid, token = valid_link(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = api_client.post(
        CONFIRM_URL,
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_token"
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


@pytest.mark.django_db
def test_a_weak_password_through_a_reset_link_leaves_the_link_usable(api_client, user):
    uid, token = valid_link(user)

    weak = api_client.post(
        CONFIRM_URL,
        {"uid": uid, "token": token, "new_password": "12345678"},
        format="json",
    )
    strong = api_client.post(
        CONFIRM_URL,
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert weak.status_code == 400
    assert {error["code"] for error in weak.json()["errors"]} == {
        "password_too_common",
        "password_entirely_numeric",
    }
    assert {error["attr"] for error in weak.json()["errors"]} == {"new_password"}
    assert strong.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["uid", "token", "new_password"])
def test_a_reset_confirmation_needs_every_field(api_client, user, missing):
    uid, token = valid_link(user)
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    del body[missing]

    response = api_client.post(CONFIRM_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "required", "detail": "This field is required.", "attr": missing}
    ]
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


@pytest.mark.django_db
def test_a_password_change_kills_an_open_reset_link(user_client, user, api_client):
    uid, token = valid_link(user)
    user_client.post(
        "/api/auth/password/",
        {"old_password": OLD_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    response = api_client.post(
        CONFIRM_URL,
        {"uid": uid, "token": token, "new_password": "another-fresh-secret-5"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_token"


@pytest.mark.django_db
def test_a_mail_server_failure_still_gets_the_same_answer(
    api_client, user, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    attempts = []

    def refuse(message, **kwargs):
        attempts.append(message.to)
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("accounts.emails.EmailMessage.send", refuse)

    response = request_reset(api_client, user.email, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    assert response.json() == ACCEPTED
    # In-process there is one attempt; a worker would retry with backoff.
    assert attempts == [[user.email]]
    assert mail.outbox == []
    assert any(record.levelname == "ERROR" for record in caplog.records)


@pytest.mark.django_db
def test_with_the_broker_unreachable_the_reset_mail_is_sent_in_process(
    api_client, user, django_capture_on_commit_callbacks, publish_to_broker, caplog
):
    # Nothing listens on port 1: every connection is refused at once.
    publish_to_broker("redis://127.0.0.1:1/0")

    response = request_reset(api_client, user.email, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert (
        "ravoos_pansy.celery",
        logging.WARNING,
        "Broker unreachable: running accounts.tasks.send_password_reset_email_task "
        "in-process",
    ) in caplog.record_tuples
