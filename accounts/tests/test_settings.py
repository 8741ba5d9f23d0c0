from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from ravoos_pansy import settings as base_settings


def test_production_hashes_passwords_with_argon2_first():
    assert base_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


def test_older_hashers_are_kept_only_to_upgrade_existing_hashes():
    assert base_settings.PASSWORD_HASHERS[1:] == [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ]


def test_the_argon2_library_is_installed():
    hasher = Argon2PasswordHasher()

    encoded = hasher.encode("a-secret", hasher.salt())

    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("a-secret", encoded)


def test_the_test_suite_uses_a_fast_hasher():
    assert settings.PASSWORD_HASHERS == [
        "django.contrib.auth.hashers.MD5PasswordHasher"
    ]


def test_every_password_validator_is_on():
    names = [
        item["NAME"].rsplit(".", 1)[1] for item in settings.AUTH_PASSWORD_VALIDATORS
    ]

    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


def test_api_tokens_come_from_knox_in_the_token_header():
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "accounts.authentication.TokenAuthentication"
    ]
    assert settings.REST_KNOX["AUTH_HEADER_PREFIX"] == "Token"
