"""Admin forms for the email-based user model, and the admin's login."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from . import lockout, services
from .models import User


class _EmailFormMixin:
    def clean_email(self):
        """Stores emails in lower case and refuses one that differs by case."""
        email = User.objects.normalize_email(self.cleaned_data["email"])
        others = User.objects.with_email(email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                "A user with this email already exists.", code="unique"
            )
        return email


class UserCreationForm(_EmailFormMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserAdminChangeForm(_EmailFormMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {}


class AdminLoginForm(AdminAuthenticationForm):
    """
    The Django admin's login form. The password is checked by
    `services.check_credentials`, as at API login, so an admin login passes
    the same lockout, counts in the same counters and is logged alike.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked_out": (
            "Too many failed attempts for this email or from this address. "
            "Try again in %(wait)s seconds."
        ),
    }

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is None or not password:
            return self.cleaned_data

        try:
            self.user_cache = services.check_credentials(
                email=email, password=password, request=self.request
            )
        except lockout.LockedOut as exc:
            raise forms.ValidationError(
                self.error_messages["locked_out"],
                code="locked_out",
                params={"wait": exc.wait},
            ) from exc
        if self.user_cache is None:
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
