"""
Idempotency keys for checkout, after the IETF `Idempotency-Key` draft and
Stripe.

A key belongs to one user. The first request with a key claims it by
inserting a row in a short transaction of its own, so that concurrent
duplicates collide on the (user, key) unique constraint. The checkout then
runs while holding that row's lock, and its answer (status and body) is
stored on the row in the same transaction as the order. A retry with the
same key and body replays the stored answer; the same key with another body
is refused with 422; a retry that arrives while the first request still
holds the lock gets 409.

Answers below 500 are stored, the refusals of checkout included (an empty
cart, a short product, a refused coupon): as with Stripe, a key always
yields the same answer, and a client that fixes its cart sends a new key.
Bodies that fail validation are answered before a key is claimed and are
not stored. A request that fails unexpectedly rolls back and leaves its key
unlocked and unanswered, so a retry takes it over and runs the checkout.

Keys expire after `settings.IDEMPOTENCY_KEY_TTL`; an expired key counts as
new. Expired rows are purged by `purge_expired_keys` (a management command
and a Celery task call it) and a user's own expired keys on their next
keyed checkout.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from ravoos_pansy.errors import DomainValidationError
from ravoos_pansy.renderers import JSONRenderer

from .exceptions import IdempotencyKeyInUse, IdempotencyKeyReused, OrderErrorCode
from .models import IdempotencyKey

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any


def clean_key(key):
    """
    The header's key, or a 400 when it is empty, over-long or holds a
    control character (PostgreSQL cannot store a NUL in text).
    """
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise DomainValidationError(
            {HEADER: [OrderErrorCode.IDEMPOTENCY_KEY_INVALID.label]},
            code=OrderErrorCode.IDEMPOTENCY_KEY_INVALID.value,
        )
    return key


def request_fingerprint(data):
    """A hash of the request body, the same for any key order or spacing."""
    if hasattr(data, "dict"):
        data = data.dict()
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    # JSON may carry a lone surrogate ("\ud800"), which strict UTF-8 cannot
    # encode; it is hashed as written rather than refused here.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def claim_key(*, user, key, fingerprint):
    """
    Claims `key` for this request and returns its row, or returns the first
    request's `StoredResponse` to replay.

    Raises `IdempotencyKeyReused` (422) when the key came with another body,
    and `IdempotencyKeyInUse` (409) while the first request is running.
    """
    now = timezone.now()
    IdempotencyKey.objects.filter(user=user, expires_at__lte=now).delete()

    # Two rounds: a key that expires or is purged between the insert and
    # the read is inserted again.
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    request_fingerprint=fingerprint,
                    expires_at=now + settings.IDEMPOTENCY_KEY_TTL,
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()

        if existing is None or existing.expires_at <= now:
            IdempotencyKey.objects.filter(
                user=user, key=key, expires_at__lte=now
            ).delete()
            continue
        if existing.request_fingerprint != fingerprint:
            logger.warning(
                "Idempotency key %s of user %s reused with another body",
                existing.pk,
                user.pk,
            )
            raise IdempotencyKeyReused()
        if existing.is_complete:
            logger.info(
                "Idempotency key %s of user %s: replaying the stored answer",
                existing.pk,
                user.pk,
            )
            return StoredResponse(existing.response_status, existing.response_body)
        if _is_running(existing):
            logger.warning(
                "Idempotency key %s of user %s: first request still running",
                existing.pk,
                user.pk,
            )
            raise IdempotencyKeyInUse()
        logger.info(
            "Idempotency key %s of user %s: taking over an unanswered request",
            existing.pk,
            user.pk,
        )
        return existing
    raise IdempotencyKeyInUse()


def run_with_key(idempotency_key, perform):
    """
    Runs `perform` under `idempotency_key`'s row lock and stores its answer
    in the same transaction. `perform` returns `(status, body, order)`.

    Returns the `StoredResponse` and whether it is a replay: a request that
    took over the key may find it answered once it holds the lock.
    """
    with transaction.atomic():
        locked = IdempotencyKey.objects.select_for_update().get(pk=idempotency_key.pk)
        if locked.is_complete:
            return StoredResponse(locked.response_status, locked.response_body), True

        status, body, order = perform()
        if status >= 500:
            # Not stored: a retry should run the checkout again.
            return StoredResponse(status, body), False
        locked.response_status = status
        locked.response_body = json.loads(JSONRenderer().render(body))
        locked.order = order
        locked.save(update_fields=["response_status", "response_body", "order"])

    logger.info(
        "Idempotency key %s of user %s answered %s",
        locked.pk,
        locked.user_id,
        status,
    )
    return StoredResponse(status, locked.response_body), False


def purge_expired_keys():
    """Deletes every expired key; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    logger.info("Purged %s expired idempotency keys", deleted)
    return deleted


def _is_running(idempotency_key):
    """True while another request holds the key's row lock."""
    try:
        with transaction.atomic():
            IdempotencyKey.objects.select_for_update(nowait=True).filter(
                pk=idempotency_key.pk
            ).first()
    except OperationalError:
        return True
    return False
