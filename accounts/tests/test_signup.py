import pytest
from knox.models import AuthToken

from accounts import services
from accounts.models import User
from ravoos_pansy.errors import DomainValidationError

SIGNUP_URL = "/api/auth/signup/"


def signup_body(**overrides):
    return {
        "email": "asha.rao@example.com",
        "name": "Asha Rao",
        "password": "violet-lantern-41",
        **overrides,
    }


@pytest.mark.django_db
def test_signup_creates_an_account_and_answers_with_a_working_token(api_client):
    response = api_client.post(SIGNUP_URL, signup_body(), format="json")

    assert response.status_code == 201
    body = response.json()
    user = User.objects.get()
    assert set(body) == {"token", "expiry", "user"}
    assert body["user"] == {
        "id": user.pk,
        "email": "asha.rao@example.com",
        "name": "Asha Rao",
        "role": "user",
    }
    assert user.check_password("violet-lantern-41")
    assert not user.is_staff
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.get("/api/auth/me/").json()["id"] == user.pk


@pytest.mark.django_db
def test_signup_stores_the_email_in_lower_case(api_client):
    response = api_client.post(
        SIGNUP_URL, signup_body(email="  Asha.Rao@Example.COM "), format="json"
    )

    assert response.status_code == 201
    assert response.json()["user"]["email"] == "asha.rao@example.com"
    assert User.objects.get().email == "asha.rao@example.com"


@pytest.mark.django_db
def test_signup_refuses_an_email_already_taken_in_another_case(api_client):
    User.objects.create_user(email="asha.rao@example.com", name="Asha", password="x")

    response = api_client.post(
        SIGNUP_URL, signup_body(email="ASHA.RAO@example.com"), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "email_taken",
                "detail": "An account with this email already exists.",
                "attr": "email",
            }
        ],
    }
    assert User.objects.count() == 1
    assert AuthToken.objects.count() == 0


@pytest.mark.django_db
def test_signup_ignores_attempts_to_become_staff(api_client):
    response = api_client.post(
        SIGNUP_URL,
        signup_body(is_staff=True, is_superuser=True, role="admin"),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["user"]["role"] == "user"
    user = User.objects.get()
    assert (user.is_staff, user.is_superuser) == (False, False)


@pytest.mark.django_db
def test_signup_works_with_a_stale_token_in_the_header(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token no-longer-valid")

    response = api_client.post(SIGNUP_URL, signup_body(), format="json")

    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["email", "name", "password"])
def test_signup_requires_each_field(api_client, field):
    body = signup_body()
    del body[field]

    response = api_client.post(SIGNUP_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "required", "detail": "This field is required.", "attr": field}
    ]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "attr", "code"),
    [
        ({"email": "not-an-email"}, "email", "invalid"),
        ({"email": ""}, "email", "blank"),
        ({"email": "a" * 250 + "@example.com"}, "email", "max_length"),
        ({"name": ""}, "name", "blank"),
        ({"name": "n" * 151}, "name", "max_length"),
        ({"name": None}, "name", "null"),
        ({"password": "p" * 129}, "password", "max_length"),
        ({"password": 40718263951}, "password", "password_entirely_numeric"),
    ],
)
def test_signup_refuses_bad_fields(api_client, overrides, attr, code):
    response = api_client.post(SIGNUP_URL, signup_body(**overrides), format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["attr"], error["code"]) for error in errors] == [(attr, code)]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "code", "detail"),
    [
        (
            "Ab3$xy",
            "password_too_short",
            "This password is too short. It must contain at least 8 characters.",
        ),
        ("qwertyuiop", "password_too_common", "This password is too common."),
        ("70318264", "password_entirely_numeric", "This password is entirely numeric."),
        (
            "asha.rao@example",
            "password_too_similar",
            "The password is too similar to the email.",
        ),
        (
            "ashaRao77",
            "password_too_similar",
            "The password is too similar to the name.",
        ),
    ],
)
def test_signup_applies_djangos_password_validators(api_client, password, code, detail):
    response = api_client.post(
        SIGNUP_URL, signup_body(password=password), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": code, "detail": detail, "attr": "password"}
    ]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "content_type", "status_code", "code"),
    [
        ('["asha.rao@example.com"]', "application/json", 400, "invalid"),
        ('{"email": ', "application/json", 400, "parse_error"),
        ("email=a", "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_signup_refuses_a_body_that_is_not_a_json_object(
    api_client, data, content_type, status_code, code
):
    response = api_client.post(SIGNUP_URL, data, content_type=content_type)

    assert response.status_code == status_code
    assert response.json()["errors"][0]["code"] == code
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_signup_losing_a_race_for_its_email_gets_a_400_not_a_500():
    # The serializer checked the email before a concurrent signup took it;
    # the database constraint then decides, and the loser hears why.
    User.objects.create_user(email="asha.rao@example.com", name="Asha", password="x")

    with pytest.raises(DomainValidationError) as raised:
        services.sign_up(
            email="asha.rao@example.com", name="Asha", password="violet-lantern-41"
        )

    assert raised.value.status_code == 400
    assert raised.value.get_codes() == {"email": ["email_taken"]}
    assert User.objects.count() == 1
