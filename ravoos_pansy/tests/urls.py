"""
The project's routes plus a few views that exist only for the tests of the
service layer: a login-like POST, a staff-only GET, a throttled GET and
views that fail. Django's error handlers are the project's own.
"""

from django.contrib.auth import get_user_model
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ravoos_pansy.permissions import IsStaff
from ravoos_pansy.urls import (  # noqa: F401 (the handlers are looked up here)
    handler400,
    handler403,
    handler404,
    handler500,
)
from ravoos_pansy.urls import urlpatterns as project_urlpatterns


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=128)


class SignInLikeView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"email": serializer.validated_data["email"]})


class StaffOnlyView(APIView):
    permission_classes = [IsStaff]

    def get(self, request):
        return Response({"staff": True})


class OncePerMinuteThrottle(AnonRateThrottle):
    scope = "service-tests"
    rate = "1/min"


class ThrottledView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [OncePerMinuteThrottle]

    def get(self, request):
        return Response({"ok": True})


class CheckoutScopedView(APIView):
    """Throttled by the default classes alone, like the checkout view."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "checkout"

    def get(self, request):
        return Response({"ok": True})


class FailingApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("the card vault password is hunter2")


def failing_django_view(request):
    raise RuntimeError("the card vault password is hunter2")


class UserCountView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"users": get_user_model().objects.count()})


urlpatterns = [
    path("api/test/sign-in/", SignInLikeView.as_view()),
    path("api/test/staff-only/", StaffOnlyView.as_view()),
    path("api/test/throttled/", ThrottledView.as_view()),
    path("api/test/checkout-scoped/", CheckoutScopedView.as_view()),
    path("api/test/failing/", FailingApiView.as_view()),
    path("api/test/failing-plain/", failing_django_view),
    path("api/test/user-count/", UserCountView.as_view()),
    *project_urlpatterns,
]
