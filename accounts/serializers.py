from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from rest_framework import serializers
from rest_framework.fields import get_error_detail

from . import services
from .exceptions import AccountError
from .models import Address, User

PASSWORD_MAX_LENGTH = 128

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ]*[0-9]$",
    "Enter a phone number of digits and spaces, optionally starting with +.",
    code="invalid_phone",
)
pincode_validator = RegexValidator(
    r"^[0-9]+$", "A pincode has only digits.", code="invalid_pincode"
)


def _password_field(**kwargs):
    # Passwords are never trimmed: a trailing space is part of the secret.
    return serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        **kwargs,
    )


def _validate_new_password(password, *, user, field):
    """Runs Django's password validators, reporting failures on `field`."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({field: get_error_detail(exc)}) from exc


class UserSerializer(serializers.ModelSerializer):
    """The account as its owner sees it; only `name` may be changed."""

    role = serializers.ChoiceField(
        choices=["user", "admin"],
        read_only=True,
        help_text='"admin" for staff accounts, "user" otherwise.',
    )

    class Meta:
        model = User
        fields = ["id", "email", "name", "role"]
        read_only_fields = ["id", "email"]


class SignupSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150)
    password = _password_field()

    def validate_email(self, value):
        email = User.objects.normalize_email(value)
        max_length = self.fields["email"].max_length
        if len(email) > max_length:
            # Lower-casing may lengthen it: "İ" becomes "i" and a dot above.
            raise serializers.ValidationError(
                self.fields["email"]
                .error_messages["max_length"]
                .format(max_length=max_length),
                code="max_length",
            )
        if User.objects.with_email(email).exists():
            raise serializers.ValidationError(
                AccountError.EMAIL_TAKEN.label, code=AccountError.EMAIL_TAKEN.value
            )
        return email

    def validate(self, attrs):
        candidate = User(email=attrs["email"], name=attrs["name"])
        _validate_new_password(attrs["password"], user=candidate, field="password")
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = _password_field()

    def validate(self, attrs):
        user = services.check_credentials(
            email=attrs["email"],
            password=attrs["password"],
            request=self.context["request"],
        )
        if user is None:
            raise serializers.ValidationError(
                AccountError.INVALID_CREDENTIALS.label,
                code=AccountError.INVALID_CREDENTIALS.value,
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    """A freshly issued token, the only time its key is shown."""

    token = serializers.CharField(help_text="Send as `Authorization: Token <key>`.")
    expiry = serializers.DateTimeField(
        allow_null=True, help_text="When the token stops working."
    )
    user = UserSerializer()


class PasswordChangeSerializer(serializers.Serializer):
    old_password = _password_field()
    new_password = _password_field()

    def validate_old_password(self, value):
        request = self.context["request"]
        if not services.check_current_password(
            user=request.user, password=value, request=request
        ):
            raise serializers.ValidationError(
                AccountError.PASSWORD_INCORRECT.label,
                code=AccountError.PASSWORD_INCORRECT.value,
            )
        return value

    def validate(self, attrs):
        user = self.context["request"].user
        _validate_new_password(attrs["new_password"], user=user, field="new_password")
        return attrs


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = _password_field()

    def validate_uid(self, value):
        try:
            return int(force_str(urlsafe_base64_decode(value)))
        except (ValueError, TypeError, OverflowError):
            raise serializers.ValidationError(
                AccountError.INVALID_UID.label, code=AccountError.INVALID_UID.value
            ) from None

    def validate(self, attrs):
        # An unknown account and a wrong token get the same answer, so a
        # guessed uid tells nothing about which accounts exist.
        user = User.objects.filter(pk=attrs["uid"], is_active=True).first()
        if user is None or not default_token_generator.check_token(
            user, attrs["token"]
        ):
            raise serializers.ValidationError(
                {"token": AccountError.INVALID_TOKEN.label},
                code=AccountError.INVALID_TOKEN.value,
            )
        _validate_new_password(attrs["new_password"], user=user, field="new_password")
        attrs["user"] = user
        return attrs


class AccountMessageSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AddressSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(
        min_length=7,
        max_length=20,
        validators=[phone_validator],
        help_text="7 to 20 characters: digits and spaces, optionally a leading +.",
    )
    pincode = serializers.CharField(
        min_length=4,
        max_length=10,
        validators=[pincode_validator],
        help_text="4 to 10 digits.",
    )
    is_default = serializers.BooleanField(
        required=False,
        help_text=(
            "true makes this the default address and clears the old default. "
            "The first address is always the default; false on the current "
            "default is ignored (choose another default instead)."
        ),
    )

    class Meta:
        model = Address
        fields = [
            "id",
            "full_name",
            "phone",
            "street",
            "city",
            "state",
            "pincode",
            "landmark",
            "is_default",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
