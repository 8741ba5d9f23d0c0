import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from accounts.tests.factories import UserFactory

ADMIN_PASSWORD = "granite-orchid-2077"


@pytest.fixture
def admin_env(monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "Owner@Ravoos.example")
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.delenv("ADMIN_NAME", raising=False)
    return monkeypatch


@pytest.mark.django_db
def test_ensure_admin_creates_a_staff_superuser(admin_env, capsys):
    call_command("ensure_admin")

    admin = User.objects.get()
    assert admin.email == "owner@ravoos.example"
    assert admin.name == "Admin"
    assert (admin.is_staff, admin.is_superuser, admin.is_active) == (True, True, True)
    assert admin.check_password(ADMIN_PASSWORD)
    assert capsys.readouterr().out == "Created admin account owner@ravoos.example.\n"


@pytest.mark.django_db
def test_ensure_admin_run_twice_keeps_one_account(admin_env, capsys):
    call_command("ensure_admin")
    password_hash = User.objects.get().password

    call_command("ensure_admin")

    admin = User.objects.get()
    assert admin.password == password_hash
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Updated admin account owner@ravoos.example."
    )


@pytest.mark.django_db
def test_ensure_admin_updates_the_password_and_restores_privileges(admin_env):
    call_command("ensure_admin")
    User.objects.update(is_staff=False, is_superuser=False, is_active=False)
    admin_env.setenv("ADMIN_PASSWORD", "cobalt-harbour-1999")

    call_command("ensure_admin")

    admin = User.objects.get()
    assert (admin.is_staff, admin.is_superuser, admin.is_active) == (True, True, True)
    assert admin.check_password("cobalt-harbour-1999")


@pytest.mark.django_db
def test_ensure_admin_promotes_an_existing_account_with_that_email(admin_env):
    customer = UserFactory(email="owner@ravoos.example", name="Owner")

    call_command("ensure_admin")

    customer.refresh_from_db()
    assert User.objects.count() == 1
    assert customer.name == "Owner"
    assert (customer.is_staff, customer.is_superuser) == (True, True)
    assert customer.check_password(ADMIN_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("unset", "message"),
    [
        (["ADMIN_EMAIL"], "Set ADMIN_EMAIL to create the admin account."),
        (["ADMIN_PASSWORD"], "Set ADMIN_PASSWORD to create the admin account."),
        (
            ["ADMIN_EMAIL", "ADMIN_PASSWORD"],
            "Set ADMIN_EMAIL and ADMIN_PASSWORD to create the admin account.",
        ),
    ],
)
def test_ensure_admin_fails_clearly_without_its_variables(admin_env, unset, message):
    for name in unset:
        admin_env.delenv(name)

    with pytest.raises(CommandError) as raised:
        call_command("ensure_admin")

    assert str(raised.value) == message
    assert raised.value.returncode == 1
    assert not User.objects.exists()


@pytest.mark.django_db
def test_ensure_admin_refuses_a_malformed_email(admin_env):
    admin_env.setenv("ADMIN_EMAIL", "not an email")

    with pytest.raises(CommandError, match="ADMIN_EMAIL is not a valid email"):
        call_command("ensure_admin")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_ensure_admin_refuses_a_weak_password(admin_env):
    admin_env.setenv("ADMIN_PASSWORD", "admin")

    with pytest.raises(CommandError, match="ADMIN_PASSWORD is too weak"):
        call_command("ensure_admin")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_ensure_admin_takes_the_name_from_admin_name(admin_env):
    admin_env.setenv("ADMIN_NAME", "Shop Owner")

    call_command("ensure_admin")

    assert User.objects.get().name == "Shop Owner"
