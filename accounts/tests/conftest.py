from types import SimpleNamespace

import pytest

# The 400 of a login with a wrong email or password.
INVALID_CREDENTIALS = {
    "type": "validation_error",
    "errors": [
        {
            "code": "invalid_credentials",
            "detail": "Unable to log in with the given email and password.",
            "attr": "non_field_errors",
        }
    ],
}


def locked_body(seconds):
    """The 429 body of an attempt refused by the lockout."""
    return {
        "type": "client_error",
        "errors": [
            {
                "code": "throttled",
                "detail": (
                    f"Too many attempts. Expected available in {seconds} seconds."
                ),
                "attr": None,
            }
        ],
    }


def failed_login_warnings(caplog):
    """The WARNING lines the accounts services logged for failed logins."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelname == "WARNING" and r.name == "accounts.services"
    ]


@pytest.fixture
def limits(settings):
    """Lockout limits low enough to reach, the per-address one out of reach."""
    settings.LOCKOUT_FAILURES_PER_EMAIL = 5
    settings.LOCKOUT_FAILURES_PER_ADDRESS = 1000
    settings.LOCKOUT_BASE_SECONDS = 60
    settings.LOCKOUT_MAX_SECONDS = 3600
    settings.LOCKOUT_FORGET_AFTER_SECONDS = 86400
    return settings


@pytest.fixture
def clock(monkeypatch):
    """The time as the lockout and the local-memory cache see it."""
    now = SimpleNamespace(value=1_800_000_000.0)
    fake = SimpleNamespace(time=lambda: now.value)
    for module in (
        "accounts.lockout",
        "django.core.cache.backends.base",
        "django.core.cache.backends.locmem",
    ):
        monkeypatch.setattr(f"{module}.time", fake)

    def advance(seconds):
        now.value += seconds

    return advance
