"""
Order mail through a real Celery worker and the real Redis broker.

The worker is a separate process with the project's ordinary settings, a
file mail backend and the test database, so it only sees what the checkout
committed.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from orders.tests.factories import CartItemFactory
from ravoos_pansy.celery import app as celery_app
from ravoos_pansy.tests.backing_services import require_redis

BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
MAIL_WAIT_SECONDS = 60

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def database_url():
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return (
        f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


@pytest.fixture
def worker(tmp_path, publish_to_broker):
    """A Celery worker process; yields the directory it writes mail into."""
    mail_dir = tmp_path / "mail"
    log = (tmp_path / "worker.log").open("w")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ravoos_pansy.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    require_redis(BROKER_URL)
    publish_to_broker(BROKER_URL)
    # Messages an interrupted run left behind would only get in the way.
    celery_app.control.purge()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "ravoos_pansy",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield mail_dir
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_for_mail(mail_dir: Path, subject):
    """The text of the first mail in `mail_dir` with `subject`, or None."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
            content = path.read_text()
            if f"Subject: {subject}" in content:
                return content
        time.sleep(0.2)
    return None


def test_a_worker_mails_the_confirmation_of_a_committed_order(
    user, user_client, address, product, worker, tmp_path
):
    CartItemFactory(user=user, product=product, quantity=2)

    response = user_client.post(
        "/api/orders/checkout/", {"address_id": address.pk}, format="json"
    )

    assert response.status_code == 201
    order_id = response.json()["id"]
    content = wait_for_mail(worker, f"Your Ravoos Pansy order #{order_id} is placed")
    assert content, (tmp_path / "worker.log").read_text()[-3000:]
    assert f"To: {user.email}" in content
    assert "2 x Teak bowl @ 100.00 = 200.00" in content
