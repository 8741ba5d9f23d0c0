"""Holding a write open while a request from another thread meets its locks."""

import threading
import time

from django.db import connection, transaction

from ravoos_pansy.tests.concurrency import backend_waiting_on_a_lock

WAIT_SECONDS = 10


def wait_for_a_blocked_backend():
    """Returns once another connection waits on a lock; fails after a while."""
    deadline = time.monotonic() + WAIT_SECONDS
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            if backend_waiting_on_a_lock(cursor, ""):
                return
            time.sleep(0.05)
    raise AssertionError("no connection ever waited on a lock")


def while_holding(hold, call):
    """
    Runs `hold()` in a transaction on this thread's connection, starts
    `call()` in another thread with its own connection, commits once that
    thread waits on a lock, and returns what `call()` returned (or raised).
    """
    outcome = []

    def run():
        try:
            outcome.append(call())
        except Exception as exc:  # the test inspects it
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    try:
        with transaction.atomic():
            hold()
            thread.start()
            wait_for_a_blocked_backend()
    finally:
        if thread.ident is not None:
            thread.join(WAIT_SECONDS * 2)
    assert not thread.is_alive(), "the call never finished"
    return outcome[0]
