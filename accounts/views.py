from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import (
    extend_validation_errors,
)
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ravoos_pansy.throttling import AUTH_THROTTLE_CLASSES

from . import services
from .exceptions import AccountError
from .models import Address
from .serializers import (
    AccountMessageSerializer,
    AddressSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    SignupSerializer,
    TokenSerializer,
    UserSerializer,
)

PASSWORD_CODES = [
    "password_too_short",
    "password_too_common",
    "password_entirely_numeric",
    "password_too_similar",
]

RESET_REQUESTED_MESSAGE = (
    "If an account exists for this email, a link to reset its password has been sent."
)
RESET_DONE_MESSAGE = "Your password has been reset. Log in with the new password."


def _token_response(*, token, key, user, status_code):
    body = {"token": key, "expiry": token.expiry, "user": user}
    return Response(TokenSerializer(body).data, status=status_code)


class GuestView(APIView):
    """
    A route for people without a token: a stale one is not an error. Its
    requests are limited per client address and per submitted email.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, *AUTH_THROTTLE_CLASSES]


@extend_validation_errors(
    [AccountError.EMAIL_TAKEN.value], field_name="email", methods=["post"]
)
@extend_validation_errors(PASSWORD_CODES, field_name="password", methods=["post"])
class SignupView(GuestView):
    @extend_schema(
        summary="Create a customer account and log it in",
        request=SignupSerializer,
        responses={201: TokenSerializer},
        auth=[],
    )
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.sign_up(**serializer.validated_data)
        token, key = services.issue_token(user=user, request=request)
        return _token_response(
            token=token, key=key, user=user, status_code=status.HTTP_201_CREATED
        )


@extend_validation_errors(
    [AccountError.INVALID_CREDENTIALS.value],
    field_name="non_field_errors",
    methods=["post"],
)
class LoginView(GuestView):
    @extend_schema(
        summary="Log in with email and password",
        description="Each login issues a new token; other sessions keep theirs.",
        request=LoginSerializer,
        responses={200: TokenSerializer},
        auth=[],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, key = services.issue_token(user=user, request=request)
        return _token_response(
            token=token, key=key, user=user, status_code=status.HTTP_200_OK
        )


class LogoutView(APIView):
    @extend_schema(
        summary="Revoke the token of this request",
        request=None,
        responses={204: None},
    )
    def post(self, request):
        services.revoke_token(token=request.auth, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(summary="The current user"),
    patch=extend_schema(
        summary="Rename the current user",
        description="Only `name` can change; other fields are ignored.",
    ),
)
class MeView(generics.RetrieveUpdateAPIView):
    serializer_class = UserSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        serializer.instance = services.update_profile(
            user=serializer.instance, **serializer.validated_data
        )


@extend_validation_errors(
    [AccountError.PASSWORD_INCORRECT.value],
    field_name="old_password",
    methods=["post"],
)
@extend_validation_errors(PASSWORD_CODES, field_name="new_password", methods=["post"])
class PasswordChangeView(APIView):
    @extend_schema(
        summary="Change the password",
        description=(
            "Every token of the user is revoked, the one of this request "
            "included; the answer carries a new one."
        ),
        request=PasswordChangeSerializer,
        responses={200: TokenSerializer},
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        token, key = services.change_password(
            user=request.user,
            new_password=serializer.validated_data["new_password"],
            request=request,
        )
        return _token_response(
            token=token, key=key, user=request.user, status_code=status.HTTP_200_OK
        )


class PasswordResetView(GuestView):
    @extend_schema(
        summary="Mail a password reset link",
        description=(
            "Answers the same whether or not an account has this email. "
            "The link is `PASSWORD_RESET_URL?uid=<uid>&token=<token>`."
        ),
        request=PasswordResetRequestSerializer,
        responses={202: AccountMessageSerializer},
        examples=[
            OpenApiExample(
                "Accepted",
                value={"detail": RESET_REQUESTED_MESSAGE},
                response_only=True,
                status_codes=["202"],
            )
        ],
        auth=[],
    )
    def post(self, request):
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_password_reset(
            email=serializer.validated_data["email"], request=request
        )
        return Response(
            {"detail": RESET_REQUESTED_MESSAGE}, status=status.HTTP_202_ACCEPTED
        )


@extend_validation_errors(
    [AccountError.INVALID_UID.value], field_name="uid", methods=["post"]
)
@extend_validation_errors(
    [AccountError.INVALID_TOKEN.value], field_name="token", methods=["post"]
)
@extend_validation_errors(PASSWORD_CODES, field_name="new_password", methods=["post"])
class PasswordResetConfirmView(GuestView):
    @extend_schema(
        summary="Choose a new password with a reset link",
        description="The link works once; every token of the user is revoked.",
        request=PasswordResetConfirmSerializer,
        responses={200: AccountMessageSerializer},
        auth=[],
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reset_password(
            user=serializer.validated_data["user"],
            token=serializer.validated_data["token"],
            new_password=serializer.validated_data["new_password"],
        )
        return Response({"detail": RESET_DONE_MESSAGE}, status=status.HTTP_200_OK)


class AddressBookMixin:
    """The requesting user's addresses: other people's are simply not found."""

    serializer_class = AddressSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # The schema generator calls this without a user.
            return Address.objects.none()
        return Address.objects.owned_by(self.request.user)

    def perform_update(self, serializer):
        serializer.instance = services.update_address(
            address=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_address(address=instance)


@extend_schema_view(
    get=extend_schema(summary="List own addresses, the default first"),
    post=extend_schema(
        summary="Add an address",
        description="The first address becomes the default.",
    ),
)
class AddressListView(AddressBookMixin, generics.ListCreateAPIView):
    def perform_create(self, serializer):
        serializer.instance = services.add_address(
            user=self.request.user, **serializer.validated_data
        )


@extend_schema_view(
    get=extend_schema(summary="One own address"),
    put=extend_schema(summary="Replace an address"),
    patch=extend_schema(summary="Change an address"),
    delete=extend_schema(
        summary="Delete an address",
        description=(
            "When the default is deleted, the newest remaining address "
            "becomes the default."
        ),
    ),
)
class AddressDetailView(AddressBookMixin, generics.RetrieveUpdateDestroyAPIView):
    pass


@extend_schema_view(
    delete=extend_schema(
        summary="Delete an address (compatibility path)",
        description="The same as `DELETE /api/auth/addresses/{id}/`.",
    ),
)
class AddressDeleteView(AddressBookMixin, generics.DestroyAPIView):
    pass
