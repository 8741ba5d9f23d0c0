"""The mail a customer gets about an order: a plain-text and an HTML part."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import OrderStatus

logger = logging.getLogger(__name__)


def send_order_confirmation_email(order):
    _send(
        order,
        subject=f"Your Ravoos Pansy order #{order.pk} is placed",
        template="orders/email/order_confirmation",
        context={},
    )
    logger.info("Order %s: confirmation mailed to user %s", order.pk, order.user_id)


def send_status_update_email(order, status):
    """Tells the customer that `order` moved to `status`."""
    label = OrderStatus(status).label
    _send(
        order,
        subject=f"Your Ravoos Pansy order #{order.pk}: {label.lower()}",
        template="orders/email/status_update",
        context={"new_status": label, "is_cancelled": status == OrderStatus.CANCELLED},
    )
    logger.info(
        "Order %s: status %s mailed to user %s", order.pk, status, order.user_id
    )


def _send(order, *, subject, template, context):
    context = {
        "order": order,
        "lines": order.lines.all(),
        "customer_name": order.user.name or order.user.email,
        **context,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.user.email],
    )
    message.attach_alternative(
        render_to_string(f"{template}.html", context), "text/html"
    )
    message.send()
