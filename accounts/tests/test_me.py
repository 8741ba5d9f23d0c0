import pytest

ME_URL = "/api/auth/me/"


@pytest.mark.django_db
def test_me_describes_the_current_user(user_client, user):
    response = user_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "role": "user",
    }


@pytest.mark.django_db
def test_me_reports_staff_as_admin(staff_client, staff_user):
    response = staff_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["role"] == "admin"


@pytest.mark.django_db
def test_patching_me_changes_the_name(user_client, user):
    response = user_client.patch(ME_URL, {"name": "Meera Iyer"}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": user.email,
        "name": "Meera Iyer",
        "role": "user",
    }
    user.refresh_from_db()
    assert user.name == "Meera Iyer"


@pytest.mark.django_db
def test_patching_me_cannot_change_email_role_or_privileges(user_client, user):
    email, name = user.email, user.name

    response = user_client.patch(
        ME_URL,
        {
            "id": 999,
            "email": "someone.else@example.com",
            "role": "admin",
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "password": "new-password-123",
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": email,
        "name": name,
        "role": "user",
    }
    user.refresh_from_db()
    assert (user.email, user.name) == (email, name)
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.check_password("correct-horse-battery-staple")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "code"),
    [("", "blank"), ("   ", "blank"), ("n" * 151, "max_length"), (None, "null")],
)
def test_patching_me_refuses_a_bad_name(user_client, user, name, code):
    before = user.name

    response = user_client.patch(ME_URL, {"name": name}, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["attr"], error["code"]) for error in errors] == [("name", code)]
    user.refresh_from_db()
    assert user.name == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_me_allows_only_get_and_patch(user_client, user, method):
    response = getattr(user_client, method)(ME_URL, {"name": "X"}, format="json")

    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "method_not_allowed"
    user.refresh_from_db()
    assert user.name != "X"
