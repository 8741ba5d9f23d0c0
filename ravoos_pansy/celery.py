"""
The Celery app. Tasks are found in each app's `tasks.py`; settings come
from Django's, under the `CELERY_` prefix.

Run a worker with `celery --app ravoos_pansy worker`, and `celery --app
ravoos_pansy beat` for the periodic clean-up below.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravoos_pansy.settings")

app = Celery("ravoos_pansy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "purge-expired-idempotency-keys": {
        "task": "orders.tasks.purge_expired_idempotency_keys",
        "schedule": 60 * 60,
    },
}
