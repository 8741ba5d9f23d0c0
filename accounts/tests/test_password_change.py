import pytest
from knox.models import AuthToken

from conftest import client_for

from .conftest import locked_body

PASSWORD_URL = "/api/auth/password/"
NEW_PASSWORD = "amber-kettle-2031"


@pytest.mark.django_db
def test_changing_the_password_answers_with_a_new_token_that_works(
    user_client, user, api_client
):
    response = user_client.post(
        PASSWORD_URL,
        {"old_password": "correct-horse-battery-staple", "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "role": "user",
    }
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
def test_changing_the_password_revokes_every_older_token(user, other_user):
    asking, elsewhere = client_for(user), client_for(user)
    bystander = client_for(other_user)

    response = asking.post(
        PASSWORD_URL,
        {"old_password": "correct-horse-battery-staple", "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    assert asking.get("/api/auth/me/").status_code == 401
    assert elsewhere.get("/api/auth/me/").status_code == 401
    assert AuthToken.objects.filter(user=user).count() == 1
    assert bystander.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
def test_after_a_change_only_the_new_password_logs_in(user_client, user, api_client):
    user_client.post(
        PASSWORD_URL,
        {"old_password": "correct-horse-battery-staple", "new_password": NEW_PASSWORD},
        format="json",
    )

    old = api_client.post(
        "/api/auth/login/",
        {"email": user.email, "password": "correct-horse-battery-staple"},
    )
    new = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": NEW_PASSWORD}
    )

    assert old.status_code == 400
    assert new.status_code == 200


@pytest.mark.django_db
def test_a_wrong_old_password_changes_nothing(user_client, user):
    tokens_before = AuthToken.objects.filter(user=user).count()

    response = user_client.post(
        PASSWORD_URL,
        {"old_password": "guessed-wrong-1", "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "password_incorrect",
            "detail": "The current password is not correct.",
            "attr": "old_password",
        }
    ]
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-staple")
    assert AuthToken.objects.filter(user=user).count() == tokens_before
    assert user_client.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new_password", "code"),
    [
        ("Ab3$xy", "password_too_short"),
        ("password1", "password_too_common"),
        ("90817263", "password_entirely_numeric"),
    ],
)
def test_a_weak_new_password_is_refused(user_client, user, new_password, code):
    response = user_client.post(
        PASSWORD_URL,
        {"old_password": "correct-horse-battery-staple", "new_password": new_password},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["attr"], error["code"]) for error in errors] == [
        ("new_password", code)
    ]
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-staple")
    assert user_client.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
def test_a_new_password_like_the_users_email_is_refused(user):
    client = client_for(user)
    local_part = user.email.split("@")[0]

    response = client.post(
        PASSWORD_URL,
        {
            "old_password": "correct-horse-battery-staple",
            "new_password": f"{local_part}@example",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "password_too_similar"
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-staple")


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["old_password", "new_password"])
def test_changing_the_password_needs_both_fields(user_client, user, missing):
    body = {
        "old_password": "correct-horse-battery-staple",
        "new_password": NEW_PASSWORD,
    }
    del body[missing]

    response = user_client.post(PASSWORD_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "required", "detail": "This field is required.", "attr": missing}
    ]
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-staple")


# --- Wrong current passwords pass the login lockout ---------------------------

OLD_PASSWORD = "correct-horse-battery-staple"
WRONG_PASSWORD = "guessed-wrong-1"


def change(client, old_password, address="198.51.100.1"):
    return client.post(
        PASSWORD_URL,
        {"old_password": old_password, "new_password": NEW_PASSWORD},
        format="json",
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_after_five_wrong_current_passwords_even_the_right_one_gets_429(
    user_client, user, limits
):
    tokens_before = AuthToken.objects.filter(user=user).count()
    wrong = [change(user_client, WRONG_PASSWORD) for _ in range(5)]

    locked = change(user_client, OLD_PASSWORD)

    assert [r.status_code for r in wrong] == [400] * 5
    assert locked.status_code == 429
    assert locked["Retry-After"] == "60"
    assert locked.json() == locked_body(60)
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)
    assert AuthToken.objects.filter(user=user).count() == tokens_before
    assert user_client.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db
def test_wrong_current_passwords_wait_twice_as_long_after_each_lock(
    user_client, limits, clock
):
    for _ in range(5):
        change(user_client, WRONG_PASSWORD)
    first_lock = change(user_client, WRONG_PASSWORD)
    clock(61)

    after_first_lock = change(user_client, WRONG_PASSWORD)
    second_lock = change(user_client, OLD_PASSWORD)

    assert (first_lock.status_code, first_lock["Retry-After"]) == (429, "60")
    assert after_first_lock.status_code == 400
    assert (second_lock.status_code, second_lock["Retry-After"]) == (429, "120")


@pytest.mark.django_db
def test_wrong_current_passwords_and_wrong_logins_share_one_count(
    user_client, user, limits, api_client
):
    for _ in range(3):
        api_client.post(
            "/api/auth/login/",
            {"email": user.email, "password": WRONG_PASSWORD},
            REMOTE_ADDR="203.0.113.7",
        )
    wrong = [change(user_client, WRONG_PASSWORD) for _ in range(2)]

    login = api_client.post(
        "/api/auth/login/",
        {"email": user.email, "password": OLD_PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )

    assert [r.status_code for r in wrong] == [400] * 2
    assert login.status_code == 429
    assert AuthToken.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_the_right_current_password_clears_the_failures(user_client, user, limits):
    wrong_before = [change(user_client, WRONG_PASSWORD) for _ in range(4)]
    changed = change(user_client, OLD_PASSWORD)
    new_client = client_for(user)

    wrong_after = [
        new_client.post(
            PASSWORD_URL,
            {"old_password": WRONG_PASSWORD, "new_password": "another-fresh-pass-8"},
            format="json",
        )
        for _ in range(5)
    ]

    assert [r.status_code for r in wrong_before] == [400] * 4
    assert changed.status_code == 200
    assert [r.status_code for r in wrong_after] == [400] * 5


@pytest.mark.django_db
def test_a_wrong_current_password_is_logged_with_the_address_and_no_password(
    user_client, user, caplog
):
    with caplog.at_level("WARNING", logger="accounts.services"):
        change(user_client, WRONG_PASSWORD, address="198.51.100.23")

    assert [
        r.getMessage() for r in caplog.records if r.name == "accounts.services"
    ] == [f"Wrong current password for user {user.pk} from 198.51.100.23"]
