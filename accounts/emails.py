"""The mails the accounts app sends, rendered from accounts/templates."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

logger = logging.getLogger(__name__)


def password_reset_url(*, user):
    """
    The storefront link that lets `user` choose a new password, once: the
    token is Django's, so it dies when the password changes or after
    `PASSWORD_RESET_TIMEOUT` seconds.
    """
    query = urlencode(
        {
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
    )
    separator = "&" if "?" in settings.PASSWORD_RESET_URL else "?"
    return f"{settings.PASSWORD_RESET_URL}{separator}{query}"


def _duration_text(seconds):
    hours, minutes = seconds // 3600, seconds // 60
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def send_password_reset_email(*, user):
    context = {
        "user": user,
        "reset_url": password_reset_url(user=user),
        "valid_for": _duration_text(settings.PASSWORD_RESET_TIMEOUT),
    }
    subject = render_to_string("accounts/email/password_reset_subject.txt", context)
    body = render_to_string("accounts/email/password_reset.txt", context)
    EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[user.email],
    ).send()
    logger.info("Password reset email sent to user %s", user.pk)
