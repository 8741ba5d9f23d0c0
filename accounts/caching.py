"""
Token lookups, cached so that a signed-in request needs no query to know
who sent it (see `ravoos_pansy.caching`).

A lookup is cached under the token's digest, which only the holder of the
whole key can produce, and stamped with a generation of that token's own.
The generation is retired whenever the token or its user changes: a token
deleted (logout, a new password, the expiry clean-up, the user deleted,
the admin) or saved, and any save of the user (deactivated, made
staff, renamed). A lookup made before such a change is never served after
it, in any process, even if it was stored after the change.

The cached lookup holds the token's fields and the user's, but not the
password hash, which stays in the database: a user rebuilt from the cache
has it deferred, and loads it in the rare request that checks or sets a
password.

Lookups and their generations are kept for `TOKEN_SECONDS` only. Every
key sent, even a made-up one, draws a generation before the database says
whether it is valid, so a flood of made-up keys leaves no more keys in
Redis than a minute's worth. And if Redis cannot be reached when a token
is revoked, so that no new generation can be written, a lookup cached
before the outage can be served until it is a minute old, and no longer.
"""

from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import DEFERRED
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from knox.models import AuthToken

from ravoos_pansy import caching

User = get_user_model()

TOKEN_SECONDS = 60

# Never cached, so never served from the cache.
UNCACHED_USER_FIELDS = ("password",)


def token_generation(digest):
    return f"generation:token:{digest}"


def lookup(digest):
    """The cache slot of the token with this digest."""
    return caching.lookup(
        "token",
        variant=digest,
        generation_keys=(token_generation(digest),),
        generation_seconds=TOKEN_SECONDS,
    )


def cached_token(slot, digest):
    """
    The `AuthToken`, with its user, that `slot` holds for `digest`; None on
    a miss.
    """
    if slot.value is None:
        return None
    token_fields, user_fields = slot.value
    token = _rebuild(AuthToken, token_fields)
    # The key names a hash of the digest: make sure it is this one.
    if token.digest != digest:
        return None
    token.user = _rebuild(User, user_fields)
    return token


def remember(slot, token):
    """Caches `token` (found in the database, its user valid) in `slot`."""
    caching.store(
        slot,
        (_fields(token), _fields(token.user, leave_out=UNCACHED_USER_FIELDS)),
        timeout=TOKEN_SECONDS,
    )


def _fields(instance, leave_out=()):
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in leave_out
    }


def _rebuild(model, fields):
    """An instance as if loaded from the database, any missing field deferred."""
    concrete = model._meta.concrete_fields
    return model.from_db(
        router.db_for_read(model),
        [field.attname for field in concrete],
        [fields.get(field.attname, DEFERRED) for field in concrete],
    )


def tokens_changed(digests):
    for digest in digests:
        caching.retire(token_generation(digest), generation_seconds=TOKEN_SECONDS)


@receiver(post_save, sender=AuthToken)
@receiver(post_delete, sender=AuthToken)
def _token_changed(sender, instance, created=False, **kwargs):
    if not created:
        tokens_changed([instance.digest])


@receiver(post_save, sender=User)
def _user_changed(sender, instance, created, **kwargs):
    if created:
        return
    digests = AuthToken.objects.filter(user=instance).values_list("digest", flat=True)
    tokens_changed(digests)
