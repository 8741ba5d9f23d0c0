"""
One JSON error shape for the whole API.

Every error body is ``{"type", "errors": [{"code", "detail", "attr"}]}``, as
drf-standardized-errors renders it. Domain exceptions may carry extra,
machine-readable context (the stock still available, the allowed next
statuses) which is added beside ``errors``. Django's own 400, 403, 404 and
500 pages are replaced so that no HTML reaches an API client.
"""

import logging

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DatabaseError, InterfaceError, OperationalError, models
from django.http import JsonResponse
from drf_standardized_errors import formatter, handler
from drf_standardized_errors.openapi_serializers import (
    ClientErrorEnum,
    ServerErrorEnum,
)
from rest_framework import exceptions, serializers, status

logger = logging.getLogger(__name__)

SERVER_ERROR_DETAIL = "A server error occurred."


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable; please retry."
    default_code = "service_unavailable"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


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
        # Django raises these while parsing a form or multipart body that is
        # over its limits; they are the client's doing, not a server fault.
        if isinstance(exc, RequestDataTooBig):
            return PayloadTooLarge()
        if isinstance(exc, TooManyFieldsSent):
            return exceptions.ParseError("The request has too many fields.")
        return super().convert_known_exceptions(exc)

    def convert_unhandled_exceptions(self, exc):
        # The same words as Django's own 500 handler below: a client sees
        # one message whichever layer caught the fault.
        if not isinstance(exc, exceptions.APIException):
            return exceptions.APIException(SERVER_ERROR_DETAIL)
        return exc


class ExceptionFormatter(formatter.ExceptionFormatter):
    def format_error_response(self, error_response):
        body = super().format_error_response(error_response)
        body.update(getattr(self.exc, "extra", None) or {})
        return body


def _error_response(error_type, code, detail, status_code):
    body = {
        "type": error_type,
        "errors": [{"code": code, "detail": detail, "attr": None}],
    }
    return JsonResponse(body, status=status_code)


def page_not_found(request, exception=None, *, detail="Not found."):
    """Django's 404 handler, in the API's error shape."""
    return _error_response(
        "client_error", "not_found", detail, status.HTTP_404_NOT_FOUND
    )


def server_error(request):
    """Django's 500 handler, in the API's error shape; never a traceback."""
    return _error_response(
        "server_error",
        "error",
        SERVER_ERROR_DETAIL,
        status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def bad_request(request, exception=None):
    return _error_response(
        "client_error", "bad_request", "Bad request.", status.HTTP_400_BAD_REQUEST
    )


def permission_denied(request, exception=None):
    return _error_response(
        "client_error",
        "permission_denied",
        "You do not have permission to perform this action.",
        status.HTTP_403_FORBIDDEN,
    )


def payload_too_large(request, *, limit):
    """The answer to a body over the size limit, sent before it is read."""
    return _error_response(
        "client_error",
        "payload_too_large",
        f"The request body is larger than the {limit} bytes allowed.",
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


# --- OpenAPI descriptions of the errors drf-standardized-errors cannot infer


class ErrorCode503Enum(models.TextChoices):
    SERVICE_UNAVAILABLE = "service_unavailable"


class Error503Serializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ErrorCode503Enum.choices)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse503Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ServerErrorEnum.choices)
    errors = Error503Serializer(many=True)


class ClientErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ClientErrorResponseSerializer(serializers.Serializer):
    """
    Any other 4xx (409, 422, ...). A view that raises one declares it with
    ``@extend_schema(responses={409: ClientErrorResponseSerializer})``, or a
    subclass that adds the extra context it sends beside ``errors``.
    """

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = ClientErrorSerializer(many=True)
