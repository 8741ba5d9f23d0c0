import contextvars
import logging
import re
import time
import uuid

logger = logging.getLogger(__name__)

request_id_var = contextvars.ContextVar("request_id", default="-")

# Accept a caller's id only when it looks like one; anything else could be
# used to forge or flood log lines.
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdLogFilter(logging.Filter):
    """Adds the current request's id to every log record as `request_id`."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class RequestLogMiddleware:
    """
    Gives every request an id (the caller's `X-Request-ID` when valid),
    returns it in the response, and logs one line per request with its
    method, path, status and duration. Query strings and bodies are never
    logged: they may hold tokens or passwords.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = (
            incoming if _REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        )
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = (time.perf_counter() - started) * 1000
            response["X-Request-ID"] = request_id
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
            )
            return response
        finally:
            request_id_var.reset(token)
