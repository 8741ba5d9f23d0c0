"""
The Celery app. Tasks are found in each app's `tasks.py`; settings come
from Django's, under the `CELERY_` prefix.

Run a worker with `celery --app ravoos_pansy worker`, and `celery --app
ravoos_pansy beat` for the periodic clean-up below.
"""

import functools
import logging
import os

from celery import Celery
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravoos_pansy.settings")

logger = logging.getLogger(__name__)

app = Celery("ravoos_pansy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "purge-expired-idempotency-keys": {
        "task": "orders.tasks.purge_expired_idempotency_keys",
        "schedule": 60 * 60,
    },
}


def queue_after_commit(task, *args):
    """
    Queues `task(*args)` once the current transaction commits, and never for
    one that rolls back. When the broker cannot be reached the task runs in
    this process instead: the mail is late, not lost.
    """
    transaction.on_commit(functools.partial(_queue, task, args), robust=True)


def _queue(task, args):
    try:
        task.delay(*args)
    except BrokerUnreachable:
        logger.warning("Broker unreachable: running %s in-process", task.name)
        task.apply(args=args)
