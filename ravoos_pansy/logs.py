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
