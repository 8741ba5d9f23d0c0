"""
The request id in every log line.

Kept free of Django imports: the logging configuration loads this module
while settings are read, before the apps are ready.
"""

import contextvars
import logging

request_id_var = contextvars.ContextVar("request_id", default="-")


class RequestIdLogFilter(logging.Filter):
    """
    Adds the current request's id to every log record as `request_id`,
    unless the record was given one explicitly.
    """

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class CacheOutageLogFilter(logging.Filter):
    """
    django-redis, told to carry on when Redis cannot be reached, logs each
    error it ignores at ERROR with a traceback. The API does carry on (reads
    miss, limits let requests through), so the record becomes one WARNING
    line that names the cause.
    """

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = "Cache unavailable, carrying on without it: %s"
            record.args = (record.exc_info[1],)
            _make_one_warning_line(record)
        return True


class DisallowedHostLogFilter(logging.Filter):
    """
    Django logs each request for a host not in ALLOWED_HOSTS at ERROR with
    a traceback, and scanners that try servers by address send such
    requests all day. They are answered with a 400 and need no one's
    attention, so each becomes one WARNING line naming the host.
    """

    def filter(self, record):
        _make_one_warning_line(record)
        return True


def _make_one_warning_line(record):
    """Turns `record` into a WARNING that is logged without its traceback."""
    record.levelno = logging.WARNING
    record.levelname = logging.getLevelName(logging.WARNING)
    record.exc_info = None
    record.exc_text = None
