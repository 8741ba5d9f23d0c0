import logging

from django.db import DatabaseError, connection
from django.urls import is_valid_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import page_not_found
from .renderers import JSONRenderer

logger = logging.getLogger(__name__)


class HealthView(APIView):
    """Liveness and database readiness, for load balancers and monitors."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        summary="Service health",
        description="200 while the database answers, 503 when it does not.",
        responses={
            200: inline_serializer(
                "Health",
                fields={
                    "status": serializers.CharField(),
                    "database": serializers.CharField(),
                },
            ),
            503: inline_serializer(
                "HealthUnavailable",
                fields={
                    "status": serializers.CharField(),
                    "database": serializers.CharField(),
                },
            ),
        },
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            logger.warning("Health check: the database did not answer")
            return Response(
                {"status": "unavailable", "database": "unreachable"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "database": "ok"})


class JsonErrorsMixin:
    """
    Renders the view's errors as JSON. The schema and documentation views
    answer in YAML or HTML when all is well, and would render a 405 or a
    404 for an unknown `?format=` the same way.
    """

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JsonErrorsMixin, SpectacularAPIView):
    pass


class SwaggerView(JsonErrorsMixin, SpectacularSwaggerView):
    pass


class RedocView(JsonErrorsMixin, SpectacularRedocView):
    pass


@csrf_exempt
def api_not_found(request):
    """
    Answers every /api/ path that no route matches, in DEBUG too, where
    Django would otherwise send its HTML 404 page.

    Being a route itself, it also keeps CommonMiddleware from redirecting
    `/api/cart/add` to `/api/cart/add/`: a redirect would lose a POST body
    (and in DEBUG Django raises instead). The detail says what to fix.
    """
    path = request.path_info
    detail = "Not found."
    if not path.endswith("/"):
        match = is_valid_path(f"{path}/", getattr(request, "urlconf", None))
        if match and match.func is not api_not_found:
            detail = f"Not found. API paths end with a slash: {path}/"
    return page_not_found(request, detail=detail)
