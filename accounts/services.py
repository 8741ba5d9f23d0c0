"""
Account workflows: signing up, issuing and revoking tokens, changing and
resetting passwords, and keeping an address book with one default.

Every change to a user's address book locks that user's row first, so two
requests of the same user (two first addresses, a delete beside a new
default) are serialised and the one-default rule never trips the database
constraint.
"""

import logging

from django.contrib.auth import authenticate, user_logged_in, user_logged_out
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.utils import timezone
from knox.models import AuthToken
from rest_framework import exceptions

from ravoos_pansy.celery import queue_after_commit
from ravoos_pansy.errors import DomainValidationError
from ravoos_pansy.network import client_address
from ravoos_pansy.throttling import email_digest

from . import lockout
from .exceptions import AccountError
from .models import Address, User
from .tasks import send_password_reset_email_task

logger = logging.getLogger(__name__)


def sign_up(*, email, name, password):
    """Creates a customer account. Raises a 400 if the email is taken."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, name=name, password=password)
    except IntegrityError as exc:
        # Another sign-up with the same email won the race since the
        # serializer checked it.
        raise DomainValidationError(
            {"email": [AccountError.EMAIL_TAKEN.label]},
            code=AccountError.EMAIL_TAKEN.value,
        ) from exc

    logger.info("User %s signed up", user.pk)
    return user


def update_profile(*, user, name=None):
    """Changes what the user may change about themselves: the name."""
    if name is not None:
        user.name = name
        user.save(update_fields=["name"])
        logger.info("User %s changed their name", user.pk)
    return user


def check_credentials(*, email, password, request):
    """
    The active user with this email and password, or None. The attempt must
    first get past the lockout, which raises `lockout.LockedOut` (a 429)
    while the email or the client address is locked, so even the right
    password is refused then. A success clears the email's failures.

    Every password login goes through here, the API's and the Django
    admin's, so each attempt is counted once, in the same counters.
    """
    # The lockout counts, and the user is looked up, by one spelling.
    email = User.objects.normalize_email(email)
    attempt = lockout.begin_attempt(action="login", email=email, request=request)

    user = authenticate(request, email=email, password=password)
    if user is None:
        logger.warning(
            "Failed login for email %s from %s",
            email_digest(email)[:12],
            client_address(request),
        )
        return None

    lockout.record_success(attempt)
    return user


def check_current_password(*, user, password, request):
    """
    True when `password` is the signed-in `user`'s own, as a password change
    asks. The check passes the login lockout first, in the same counters as
    a login with the user's email, so a stolen token buys no more guesses
    than the login form: raises `lockout.LockedOut` (a 429) while the email
    or the client address is locked. A correct password clears the email's
    failures.
    """
    attempt = lockout.begin_attempt(action="login", email=user.email, request=request)

    if not user.check_password(password):
        logger.warning(
            "Wrong current password for user %s from %s",
            user.pk,
            client_address(request),
        )
        return False

    lockout.record_success(attempt)
    return True


def issue_token(*, user, request=None):
    """
    A new knox token for `user`, as `(AuthToken, key)`. The key is returned
    once and only its digest is stored. The user's expired tokens are
    deleted on the way.
    """
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    instance, key = AuthToken.objects.create(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    logger.info("Token issued for user %s", user.pk)
    return instance, key


def revoke_token(*, token, request=None):
    """Deletes one token: logging out ends only the session that asks."""
    user = token.user
    token.delete()
    user_logged_out.send(sender=user.__class__, request=request, user=user)
    logger.info("Token revoked for user %s", user.pk)


def change_password(*, user, new_password, request=None):
    """
    Sets a new password, revokes every token the user holds and returns a
    new `(AuthToken, key)`, so other sessions must log in again.
    """
    with transaction.atomic():
        user.set_password(new_password)
        # Saving a new password revokes every token (User.save).
        user.save(update_fields=["password"])
        token = issue_token(user=user, request=request)

    logger.info("Password changed for user %s", user.pk)
    return token


def request_password_reset(*, email, request):
    """
    Mails a reset link to the active account with this email, if there is
    one. Callers answer the same way either way. Requests count against the
    lockout like failed logins (raising `lockout.LockedOut` past the limit),
    whether or not the account exists, so that a locked answer tells
    nothing either.
    """
    email = User.objects.normalize_email(email)
    lockout.begin_attempt(action="password_reset", email=email, request=request)

    user = User.objects.with_email(email).filter(is_active=True).first()
    if user is None or not user.has_usable_password():
        # No address in the log: it may be a typo of someone's real email.
        logger.info("Password reset requested for an unknown or inactive account")
        return

    queue_after_commit(send_password_reset_email_task, user.pk)
    logger.info("Password reset requested for user %s", user.pk)


def reset_password(*, user, token, new_password):
    """
    Sets the password chosen through a reset link, if `token` still holds.
    The link then dies (the token depends on the password hash) and every
    knox token of the user is revoked.

    The token is checked again under the user's row lock, so two requests
    racing with the same link cannot both succeed.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not default_token_generator.check_token(user, token):
            raise DomainValidationError(
                {"token": [AccountError.INVALID_TOKEN.label]},
                code=AccountError.INVALID_TOKEN.value,
            )
        user.set_password(new_password)
        # Saving a new password revokes every token (User.save).
        user.save(update_fields=["password"])

    logger.info("Password reset completed for user %s", user.pk)
    return user


def _lock_address_book(*, user_id):
    User.objects.select_for_update().filter(pk=user_id).first()


def _lock_address(*, address):
    """
    Locks the owner's address book, then re-reads `address` under that
    lock; raises a 404 if a concurrent request deleted it meanwhile.
    """
    _lock_address_book(user_id=address.user_id)
    fresh = Address.objects.filter(pk=address.pk).first()
    if fresh is None:
        raise exceptions.NotFound()
    return fresh


def add_address(*, user, is_default=False, **fields):
    """
    Adds an address to `user`'s book. The first address is the default
    whatever `is_default` says; a later one becomes it when asked.
    """
    with transaction.atomic():
        _lock_address_book(user_id=user.pk)
        book = Address.objects.owned_by(user)
        make_it_default = is_default or not book.exists()
        if make_it_default:
            book.filter(is_default=True).update(is_default=False)
        address = Address.objects.create(
            user=user, is_default=make_it_default, **fields
        )

    logger.info("Address %s added for user %s", address.pk, user.pk)
    return address


def update_address(*, address, is_default=None, **fields):
    """
    Changes an address. `is_default=True` makes it the default; False on
    the current default is ignored, since a book always keeps one.
    """
    with transaction.atomic():
        address = _lock_address(address=address)
        for name, value in fields.items():
            setattr(address, name, value)
        if fields:
            address.save(update_fields=list(fields))
        if is_default and not address.is_default:
            address.make_default()

    logger.info("Address %s updated for user %s", address.pk, address.user_id)
    return address


def delete_address(*, address):
    """
    Deletes an address. When it was the default, the newest remaining
    address becomes the default. Past orders keep their own copy.
    """
    with transaction.atomic():
        address = _lock_address(address=address)
        address_id, user_id = address.pk, address.user_id
        address.delete()

        successor = None
        if address.is_default:
            successor = (
                Address.objects.filter(user_id=user_id)
                .order_by("-created_at", "-id")
                .first()
            )
            if successor is not None:
                successor.make_default()

    logger.info(
        "Address %s deleted for user %s; default now %s",
        address_id,
        user_id,
        successor.pk if successor else "unchanged",
    )
