"""
One JSON error shape for the whole API.

Every error body is ``{"type", "errors": [{"code", "detail", "attr"}]}``, as
drf-standardized-errors renders it. Domain exceptions may carry extra,
machine-readable context (the stock still available, the allowed next
statuses) which is added beside ``errors``. Django's own 404 and 500 pages
are replaced under ``/api/`` so that no HTML reaches an API client.
"""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse
from drf_standardized_errors import formatter, handler
from rest_framework import exceptions, status

logger = logging.getLogger(__name__)


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable; please retry."
    default_code = "service_unavailable"


class Conflict(exceptions.APIException):
    """A request that is valid but clashes with the current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, **extra):
        super().__init__(detail, code)
        self.extra = extra


class DomainValidationError(exceptions.ValidationError):
    """A 400 raised by a service, optionally with extra context for clients."""

    def __init__(self, detail=None, code=None, **extra):
        super().__init__(detail, code)
        self.extra = extra


class ExceptionHandler(handler.ExceptionHandler):
    def convert_known_exceptions(self, exc):
        # A lost or refused database connection is a passing fault: say so
        # with a 503 the client may retry, rather than a bare 500.
        if isinstance(exc, (OperationalError, InterfaceError)):
            logger.warning("Database unavailable: %s", exc)
            return ServiceUnavailable()
        if isinstance(exc, DatabaseError) and "connection" in str(exc).lower():
            logger.warning("Database connection lost: %s", exc)
            return ServiceUnavailable()
        return super().convert_known_exceptions(exc)


class ExceptionFormatter(formatter.ExceptionFormatter):
    def format_error_response(self, error_response):
        body = super().format_error_response(error_response)
        body.update(getattr(self.exc, "extra", None) or {})
        return body


def _error_body(error_type, code, detail):
    return {
        "type": error_type,
        "errors": [{"code": code, "detail": detail, "attr": None}],
    }


def page_not_found(request, exception=None):
    """Django's 404 handler, in the API's error shape."""
    return JsonResponse(
        _error_body("client_error", "not_found", "Not found."),
        status=status.HTTP_404_NOT_FOUND,
    )


def server_error(request):
    """Django's 500 handler, in the API's error shape."""
    return JsonResponse(
        _error_body("server_error", "error", "A server error occurred."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def bad_request(request, exception=None):
    return JsonResponse(
        _error_body("client_error", "bad_request", "Bad request."),
        status=status.HTTP_400_BAD_REQUEST,
    )


def permission_denied(request, exception=None):
    return JsonResponse(
        _error_body(
            "client_error",
            "permission_denied",
            "You do not have permission to perform this action.",
        ),
        status=status.HTTP_403_FORBIDDEN,
    )
