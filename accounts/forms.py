"""Admin forms for the email-based user model."""

from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

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
