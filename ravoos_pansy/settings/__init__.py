"""
Settings for Ravoos Pansy, read from the environment.

A `.env` file at the project root is loaded first (python-dotenv), so local
development needs no exported variables. Every variable is listed, with a
short comment, in `.env.example`. Production must set `DEBUG=false` and a
`SECRET_KEY`; start-up stops if the key is missing.
"""

import logging
import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent.parent

load_dotenv(BASE_DIR / ".env")


def env_str(name, default=""):
    # A variable set to an empty string counts as unset, as in env_bool and
    # env_int: platforms often define a variable before it has a value.
    return os.environ.get(name, "").strip() or default


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default, *, minimum=0):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        # As for a missing SECRET_KEY: one line, not a traceback.
        sys.exit(
            f"{name} must be a whole number of at least {minimum} (got {value!r})."
        )
    return number


def env_list(name, default=""):
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        # One line on stderr and exit status 1, from manage.py, gunicorn and
        # celery alike: a traceback would only bury the reason.
        sys.exit("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "treebeard",
    "accounts",
    "catalog",
    "cart",
    "coupons",
    "orders",
]

MIDDLEWARE = [
    "ravoos_pansy.middleware.RequestLogMiddleware",
    "ravoos_pansy.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "ravoos_pansy.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ravoos_pansy.urls"
WSGI_APPLICATION = "ravoos_pansy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; waiting on the lock beats failing at once,
    # and IMMEDIATE transactions take the write lock up front so two
    # checkouts cannot both read, then collide on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "ravoos_pansy.cache_backends.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ravoos",
            "OPTIONS": {
                # Without these a Redis that stopped answering would hold
                # each request for as long as the kernel waits.
                "SOCKET_CONNECT_TIMEOUT": 0.1,
                "SOCKET_TIMEOUT": 0.1,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ravoos-pansy",
        }
    }
# How long cached reads (ravoos_pansy.caching: catalog pages, carts, order
# history) may be kept. Every change the application makes retires them in
# every process that shares the cache; local memory is per process, so
# without Redis they are off.
READ_CACHE_SECONDS = env_int("READ_CACHE_SECONDS", 10 * 60 if REDIS_URL else 0)
# Names the code that rendered a cached read, so that a deploy never serves
# bodies shaped by the code before it. Render sets RENDER_GIT_COMMIT.
READ_CACHE_RELEASE = env_str("RELEASE_ID") or env_str("RENDER_GIT_COMMIT")
# When Redis cannot be reached the API carries on: cache reads miss, the
# throttles and the login lockout let requests through, and each failed
# call logs one warning (see CacheOutageLogFilter below).
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- Users and passwords ----------------------------------------------------

AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Kept only so that existing hashes still verify and get upgraded to
    # Argon2 on the next login.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator",
        # Our user has `email` and `name`, not Django's default attributes.
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 3, minimum=1)

# The storefront page that finishes a reset; uid and token are appended as
# query parameters.
PASSWORD_RESET_URL = env_str(
    "PASSWORD_RESET_URL", "http://localhost:3000/reset-password"
)

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded product images go to S3-compatible object storage when a bucket
# is configured; a hosted container's own disk does not survive a deploy.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = env_str("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", default=False)
    AWS_S3_FILE_OVERWRITE = False

MAX_IMAGE_UPLOAD_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024, minimum=1
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email ------------------------------------------------------------------

# The console backend prints mail, which suits development; production sets
# EMAIL_BACKEND to the SMTP backend and the EMAIL_* connection settings.
_email_backend = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
_mailer_options = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _mailer_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587, minimum=1),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", default=True),
        "timeout": 10,
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    # One file per message in EMAIL_FILE_PATH: handy to read what a worker sent.
    _mailer_options = {
        "file_path": env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _mailer_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ravoos Pansy <shop@ravoos.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------

# Without a broker, order emails are sent in-process after the transaction
# commits; with one, a worker sends them.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

# --- REST framework ---------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
    ],
    "DEFAULT_RENDERER_CLASSES": ["ravoos_pansy.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "ravoos_pansy.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": [
        "ravoos_pansy.throttling.AnonRateThrottle",
        "ravoos_pansy.throttling.UserRateThrottle",
        # Applies only to views that name a `throttle_scope` (checkout).
        "ravoos_pansy.throttling.ScopedRateThrottle",
    ],
    # Read on every request (ravoos_pansy.throttling).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "300/min"),
        "user": env_str("THROTTLE_USER", "600/min"),
        # Signup, login and password reset: per client address, per email.
        "auth": env_str("THROTTLE_AUTH", "10/min"),
        "auth_email": env_str("THROTTLE_AUTH_EMAIL", "10/min"),
        "checkout": env_str("THROTTLE_CHECKOUT", "20/min"),
    },
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "ravoos_pansy.errors.ExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "ravoos_pansy.errors.ExceptionFormatter",
    # Every error under /api/ keeps the JSON shape, in DEBUG too; the
    # traceback still reaches the log.
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "ALLOWED_ERROR_STATUS_CODES": [
        "400",
        "401",
        "403",
        "404",
        "405",
        "406",
        "415",
        "429",
        "500",
        "503",
    ],
    # Any route may meet a database outage. A 409 or 422 belongs to a few
    # routes only: they declare it with errors.ClientErrorResponseSerializer.
    "ERROR_SCHEMAS": {"503": "ravoos_pansy.errors.ErrorResponse503Serializer"},
}

REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": timedelta(hours=env_int("TOKEN_TTL_HOURS", 24 * 7, minimum=1)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
    "USER_SERIALIZER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Ravoos Pansy API",
    "DESCRIPTION": "E-commerce REST API: accounts, catalog, cart, coupons, orders.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus.choices",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers."
        "ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers."
        "ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers."
        "ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers."
        "ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers."
        "ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers."
        "ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers."
        "ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers."
        "ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers."
        "ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers."
        "ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers."
        "ErrorCode500Enum.choices",
        "ErrorCode503Enum": "ravoos_pansy.errors.ErrorCode503Enum.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums"
    ],
}

# --- CORS -------------------------------------------------------------------

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "http://localhost:3000")
CORS_URLS_REGEX = r"^/api/.*$"
# What a storefront sends beyond the usual headers (a retried checkout's
# key, its own request id), and the answer's headers its code may read.
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key", "x-request-id")
CORS_EXPOSE_HEADERS = ["ETag", "Idempotent-Replayed", "Retry-After", "X-Request-ID"]

# --- Security (in force whenever DEBUG is off) ------------------------------

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Login lockout (accounts.lockout) ---------------------------------------

# Failed logins (a wrong current password in a password change counts as
# one), and password reset requests, allowed per email and per client
# address before the next attempt must wait: LOCKOUT_BASE_SECONDS the first
# time, twice as long each time after, up to LOCKOUT_MAX_SECONDS.
# A successful login clears its email's count and never lengthens its
# address's lock; otherwise counts are forgotten
# LOCKOUT_FORGET_AFTER_SECONDS after the first attempt.
LOCKOUT_FAILURES_PER_EMAIL = env_int("LOCKOUT_FAILURES_PER_EMAIL", 5, minimum=1)
LOCKOUT_FAILURES_PER_ADDRESS = env_int("LOCKOUT_FAILURES_PER_ADDRESS", 20, minimum=1)
LOCKOUT_BASE_SECONDS = env_int("LOCKOUT_BASE_SECONDS", 60, minimum=1)
LOCKOUT_MAX_SECONDS = env_int("LOCKOUT_MAX_SECONDS", 60 * 60, minimum=1)
LOCKOUT_FORGET_AFTER_SECONDS = env_int(
    "LOCKOUT_FORGET_AFTER_SECONDS", 60 * 60 * 24, minimum=1
)
# Failed token authentications (unknown, expired or malformed keys) allowed
# per client address, as a rate; past it each further failure from that
# address gets a 429 instead of a 401 until the window closes
# (accounts.authentication). Valid tokens are not affected.
THROTTLE_FAILED_TOKEN = env_str("THROTTLE_FAILED_TOKEN", "30/min")

# --- Shop rules -------------------------------------------------------------


def tax_rate(text):
    """
    The GST rate as a fraction (0.05 for 5%), or start-up stops: an order
    records it in 4 decimal places, and a rate of 5 would charge 500%.
    """
    try:
        rate = Decimal(text)
    except ArithmeticError:
        rate = None
    if (
        rate is None
        or not rate.is_finite()
        or not 0 <= rate < 1
        or rate != round(rate, 4)
    ):
        sys.exit(
            f"TAX_RATE must be a fraction from 0 to below 1 with at most 4 "
            f"decimal places, such as 0.05 for 5% (got {text!r})."
        )
    return rate


TAX_RATE = tax_rate(env_str("TAX_RATE", "0.05"))
MAX_CART_LINE_QUANTITY = 99
LOW_STOCK_THRESHOLD = env_int("LOW_STOCK_THRESHOLD", 5)
IDEMPOTENCY_KEY_TTL = timedelta(
    hours=env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=1)
)

# --- Logging ----------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in logging.getLevelNamesMapping():
    # Django would only fail later, configuring the loggers, with a
    # traceback that does not name the variable.
    sys.exit(
        "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL "
        f"(got {os.environ['LOG_LEVEL']!r})."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ravoos_pansy.logs.RequestIdLogFilter"},
        "cache_outage": {"()": "ravoos_pansy.logs.CacheOutageLogFilter"},
        "disallowed_host": {"()": "ravoos_pansy.logs.DisallowedHostLogFilter"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s",
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Request lines come from our own middleware; Django's duplicate
        # 4xx warnings add nothing.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # runserver already prints that it watches for changes.
        "django.utils.autoreload": {"level": "WARNING"},
        # Redis errors the cache carries on after: one warning line each.
        "django_redis.cache": {"filters": ["cache_outage"]},
        # Requests for another host: one warning line each, no traceback.
        "django.security.DisallowedHost": {"filters": ["disallowed_host"]},
    },
}
