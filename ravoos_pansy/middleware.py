import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpResponse
from rest_framework import status

from . import errors
from .logs import request_id_var
from .views import HealthView

logger = logging.getLogger(__name__)

# Accept a caller's id only when it looks like one; anything else could be
# used to forge or flood log lines.
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _loggable_path(request):
    """The path with control characters escaped: one request, one log line."""
    return request.path.encode("unicode_escape").decode("ascii")


class RequestLogMiddleware:
    """
    Gives every request an id (the caller's `X-Request-ID` when valid),
    returns it in the response, and logs one line per request with its
    method, path, status and duration. Query strings and bodies are never
    logged: they may hold tokens or passwords. The path is escaped, so an
    encoded line break in it cannot start a forged log line.
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
                _loggable_path(request),
                response.status_code,
                duration_ms,
                extra={"request_id": request_id},
            )
            return response
        finally:
            request_id_var.reset(token)


class RequestBodyLimitMiddleware:
    """
    Refuses a request whose declared body is over the limit with a 413,
    before anything reads it: in the API's JSON error shape under /api/,
    as plain text elsewhere (the admin).

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when a form is parsed or
    `request.body` is read, and then only for the fields that are not
    files: DRF's JSON parser reads the stream itself, and a multipart file
    goes to disk whatever its size, so without this a body of any size
    would be read. A multipart body may also carry one image (a product's,
    in the API or the admin), so its limit is the two added.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = self._body_limit(request)
        if limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                logger.warning(
                    "Refused a body of %s bytes (limit %s) on %s %s",
                    length,
                    limit,
                    request.method,
                    _loggable_path(request),
                )
                return self._refusal(request, limit)
        return self.get_response(request)

    @staticmethod
    def _refusal(request, limit):
        if request.path.startswith("/api/"):
            return errors.payload_too_large(request, limit=limit)
        return HttpResponse(
            f"The request body is larger than the {limit} bytes allowed.\n",
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            content_type="text/plain; charset=utf-8",
        )

    @staticmethod
    def _body_limit(request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.content_type == "multipart/form-data":
            limit += settings.MAX_IMAGE_UPLOAD_BYTES
        return limit


class HealthCheckMiddleware:
    """
    Answers `GET /api/health/` ahead of host validation and the HTTPS
    redirect. Load balancers and container health checks call it over plain
    HTTP and by an internal address that ALLOWED_HOSTS rightly does not list;
    the answer uses nothing from the Host header, so nothing is exposed.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.health_view = HealthView.as_view()

    def __call__(self, request):
        if request.path_info == "/api/health/" and request.method in {"GET", "HEAD"}:
            return self.health_view(request).render()
        return self.get_response(request)
