import os

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User


class Command(BaseCommand):
    help = (
        "Creates or updates a staff superuser from the ADMIN_EMAIL and "
        "ADMIN_PASSWORD environment variables. Safe to run on every deploy."
    )

    def handle(self, *args, **options):
        email = os.environ.get("ADMIN_EMAIL", "").strip()
        password = os.environ.get("ADMIN_PASSWORD", "")
        missing = [
            name
            for name, value in (("ADMIN_EMAIL", email), ("ADMIN_PASSWORD", password))
            if not value
        ]
        if missing:
            raise CommandError(
                f"Set {' and '.join(missing)} to create the admin account."
            )

        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"ADMIN_EMAIL is not a valid email: {email!r}") from exc

        email = User.objects.normalize_email(email)
        with transaction.atomic():
            user = User.objects.with_email(email).select_for_update().first()
            created = user is None
            if created:
                user = User(email=email, name=os.environ.get("ADMIN_NAME", "Admin"))
            self._check_password(password, user=user)
            user.is_staff = True
            user.is_superuser = True
            user.is_active = True
            # Re-hashing an unchanged password would churn the hash and end
            # every open reset link; only set it when it differs.
            if created or not user.check_password(password):
                user.set_password(password)
            user.save()

        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} admin account {email}."))

    def _check_password(self, password, *, user):
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as exc:
            raise CommandError(
                "ADMIN_PASSWORD is too weak: " + " ".join(exc.messages)
            ) from exc
