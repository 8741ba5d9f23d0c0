import logging

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

logger = logging.getLogger(__name__)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def normalize_email(self, email):
        """
        The one spelling of an email that is stored, looked up and counted
        by the throttles and the lockout (`email_digest` lower-cases alike):
        without surrounding spaces, in lower case.
        """
        return super().normalize_email(email).strip().lower()

    def with_email(self, email):
        """
        The user stored with this email in any letter case, as a queryset.
        The match is exact on the normalised spelling, never `iexact`: on
        PostgreSQL that compares UPPER() of both sides, and UPPER() folds
        more spellings together than lower-casing does (UPPER() of a dotless
        i, U+0131, is I), which would let a spelling log in as an account
        while the lockout counted it apart.
        """
        return self.filter(email=self.normalize_email(email))

    def get_by_natural_key(self, email):
        return self.with_email(email).get()

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A shop account, identified by its email address."""

    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150)
    is_staff = models.BooleanField(
        default=False, help_text="Staff run the shop and may use the admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    @property
    def role(self):
        return "admin" if self.is_staff else "user"

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    # True while `check_password` runs: the only save it makes stores the
    # same password rehashed with the preferred hasher.
    _rehashing = False

    def save(self, *args, **kwargs):
        # However the row is written (the shell, a factory, a form), lookups
        # match only the normalised spelling.
        self.email = self.__class__.objects.normalize_email(self.email)
        password_changed = self._writes_new_password_hash(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

        if password_changed:
            self._revoke_tokens()

    def check_password(self, raw_password):
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    async def acheck_password(self, raw_password):
        self._rehashing = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._rehashing = False

    def _writes_new_password_hash(self, update_fields):
        """
        True when this save replaces the stored password hash of an existing
        user with another: a new password (`set_password`), none at all
        (`set_unusable_password`, the admin's "disable password-based
        authentication") or a hash assigned directly. Not when a correct
        password is only rehashed at login.
        """
        if self.pk is None or self._rehashing:
            return False
        if update_fields is not None and "password" not in update_fields:
            return False
        if "password" not in self.__dict__:
            return False  # deferred and never set: not written
        stored = (
            type(self)
            ._base_manager.filter(pk=self.pk)
            .values_list("password", flat=True)
            .first()
        )
        return stored is not None and stored != self.password

    def _revoke_tokens(self):
        """
        Ends every API session of the user. A password is replaced or
        disabled through the API, the admin's password form, `changepassword`
        or `ensure_admin`: whichever it was, no older token may outlive it.
        """
        revoked, _ = self.auth_token_set.all().delete()
        logger.info(
            "%s token(s) revoked for user %s: password replaced", revoked, self.pk
        )


class AddressQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(user=user)


class Address(models.Model):
    """A delivery address in a user's address book."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=20)
    street = models.CharField(max_length=255)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100)
    pincode = models.CharField(max_length=12)
    landmark = models.CharField(max_length=255, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AddressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "addresses"
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="one_default_address_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.full_name}, {self.street}, {self.city}"

    def as_text(self):
        parts = [self.full_name, self.street, self.landmark, self.city]
        parts.append(f"{self.state} {self.pincode}")
        parts.append(f"Phone: {self.phone}")
        return "\n".join(part for part in parts if part)

    @transaction.atomic
    def make_default(self):
        """Makes this the user's only default address."""
        Address.objects.filter(user_id=self.user_id, is_default=True).exclude(
            pk=self.pk
        ).update(is_default=False)
        if not self.is_default:
            self.is_default = True
            self.save(update_fields=["is_default"])
