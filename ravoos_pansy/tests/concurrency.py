"""Running requests at the same moment, for the race tests."""

import threading

from django.db import connection


def run_at_once(*calls, timeout=60):
    """
    Runs each call in its own thread, all released together by a barrier,
    and returns their results in order (an exception raised by a call is
    returned in its place for the test to inspect).

    Each thread gets, and then closes, its own database connection, so the
    calls race in separate transactions as real requests would.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except Exception as exc:  # the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call))
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not any(thread.is_alive() for thread in threads), "a call never finished"
    return results


def backend_waiting_on_a_lock(cursor, statement_start):
    """
    The pid of another backend of this database that waits on a lock in a
    statement starting with `statement_start`, or None.
    """
    waiting = backends_waiting_on_a_lock(cursor, statement_start)
    return waiting[0] if waiting else None


def backends_waiting_on_a_lock(cursor, statement_start):
    """
    The pids of the other backends of this database that wait on a lock in
    a statement starting with `statement_start`.
    """
    # Inside a transaction PostgreSQL keeps showing the activity it saw
    # first; look afresh each time.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT pid FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND wait_event_type = 'Lock' AND query LIKE %s ORDER BY pid",
        [f"{statement_start}%"],
    )
    return [pid for (pid,) in cursor.fetchall()]
