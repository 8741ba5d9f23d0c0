import pytest
from knox.models import AuthToken

from conftest import client_for

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
