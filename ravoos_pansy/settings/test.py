"""Settings for the test suite: the same as production-like ones, but fast."""

from ravoos_pansy.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = ""

# Throttles and the lockout run in every test, with limits no test reaches;
# their own tests set low ones (the rates are read on each request).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(
        REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min"
    ),
}
LOCKOUT_FAILURES_PER_EMAIL = 100_000
LOCKOUT_FAILURES_PER_ADDRESS = 100_000

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ravoos-pansy-tests",
    }
}

# One process, so cached reads are as consistent here as with Redis.
READ_CACHE_SECONDS = 600

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from the apps' own folders, as runserver does, so the
# suite needs no collectstatic (and WhiteNoise finds no missing STATIC_ROOT).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
