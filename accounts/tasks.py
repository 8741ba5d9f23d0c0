"""
Account mail, sent by a Celery worker when a broker is configured and
in-process otherwise. SMTP failures and refused connections are OSErrors and
are retried with backoff.
"""

import logging

from celery import shared_task

from .emails import send_password_reset_email
from .models import User

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def send_password_reset_email_task(user_id):
    """Mails a reset link to the user, if the account is still active."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        logger.info("Password reset email skipped: user %s is gone", user_id)
        return
    send_password_reset_email(user=user)
