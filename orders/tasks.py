"""
Order mail, sent by a Celery worker when a broker is configured and
in-process otherwise. Services queue these with `transaction.on_commit`, so a
rolled-back order is never mailed.
"""

import logging

from celery import shared_task

from . import emails, selectors
from .idempotency import purge_expired_keys

logger = logging.getLogger(__name__)

# SMTP failures and refused connections are OSErrors; they are worth a few
# retries with backoff, anything else is a bug to look at.
_MAIL_RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_kwargs": {"max_retries": 5},
}


@shared_task(**_MAIL_RETRY)
def send_order_confirmation(order_id):
    order = selectors.order_bill(order_id=order_id)
    if order is None:
        logger.warning("Order %s: no confirmation sent, the order is gone", order_id)
        return
    emails.send_order_confirmation_email(order)


@shared_task(**_MAIL_RETRY)
def send_status_update(order_id, status):
    """Mails the change to `status`, even if the order has moved on since."""
    order = selectors.order_bill(order_id=order_id)
    if order is None:
        logger.warning("Order %s: no status mail sent, the order is gone", order_id)
        return
    emails.send_status_update_email(order, status)


@shared_task
def purge_expired_idempotency_keys():
    """Deletes checkout idempotency keys past their expiry; for celery beat."""
    return purge_expired_keys()
