import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from knox.models import AuthToken
from kombu import pools
from rest_framework.test import APIClient

from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    AddressFactory,
    StaffFactory,
    UserFactory,
)
from ravoos_pansy.celery import app as celery_app
from ravoos_pansy.tests.backing_services import REDIS_TEST_URL, require_redis

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def client_for(user):
    """An API client that authenticates as `user` with a real token."""
    client = APIClient()
    _, key = AuthToken.objects.create(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture
def user_client(user):
    return client_for(user)


@pytest.fixture
def other_client(other_user):
    return client_for(other_user)


@pytest.fixture
def staff_client(staff_user):
    return client_for(staff_user)


@pytest.fixture
def address(user):
    return AddressFactory(user=user, is_default=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """
    Every test starts with an empty cache. A rolled-back test database
    sends no signal, so cached catalog reads (and throttle counts) of one
    test would otherwise meet the rows of the next.
    """
    cache.clear()


@pytest.fixture
def redis_cache(settings):
    """The default cache in the real Redis, under a key prefix of its own."""
    require_redis(REDIS_TEST_URL)
    settings.CACHES = {
        "default": {
            "BACKEND": "ravoos_pansy.cache_backends.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"ravoos-test-{uuid.uuid4().hex}",
        }
    }
    yield cache
    cache.clear()


def _drop_broker_connections():
    # Tasks run eagerly earlier in the session built connection pools for
    # the old broker URL; Celery builds new ones on the next use.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def publish_to_broker():
    """
    `publish_to_broker(url)` makes this process queue tasks on the broker at
    `url` instead of running them in-process, until the test ends.
    """
    saved = {
        "broker_url": celery_app.conf.broker_url,
        "task_always_eager": celery_app.conf.task_always_eager,
    }

    def publish(url):
        celery_app.conf.update(broker_url=url, task_always_eager=False)
        _drop_broker_connections()

    yield publish
    celery_app.conf.update(saved)
    _drop_broker_connections()
