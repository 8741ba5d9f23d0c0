"""
Token authentication: knox tokens in `Authorization: Token <key>`.

Knox stores only a digest of each key, one row per login, with an expiry
from `REST_KNOX["TOKEN_TTL"]`. Its authenticator is used with three
changes:

- A key which cannot be a knox key (bytes that are not printable ASCII) is
  refused with a 401 before it reaches knox, which would otherwise fail on
  decoding it or pass it to the database.
- Knox reads all of the user's tokens on every request, to delete the
  expired ones. Here a request checks only its own token, and the user's
  expired tokens are deleted at each login (`accounts.services.issue_token`).
- That check is cached (`accounts.caching`) until the token or its user
  changes, so a signed-in request usually runs no query to authenticate.
- DRF authenticates before it throttles, so a flood of wrong keys would
  get a 401 each, forever, never meeting a rate limit. Failed token
  authentications are counted per client (`client_identity`: the address,
  or an IPv6 /64) at the rate `THROTTLE_FAILED_TOKEN`; past it, each
  further failure from that client gets a 429 with Retry-After until the
  window closes. Only failures are counted, after the lookup, so a valid
  token costs nothing more and keeps working from a client that others
  behind the same address got refused.
"""

import logging
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.signals import token_expired
from rest_framework import exceptions

from ravoos_pansy.network import client_address, client_identity
from ravoos_pansy.throttling import WindowRateThrottle

from . import caching

logger = logging.getLogger(__name__)


class TooManyTokenFailures(exceptions.Throttled):
    default_detail = "Too many requests with an invalid token."


class TokenFailureThrottle(WindowRateThrottle):
    """
    Failed token authentications of one client in a window, counted with
    the same atomic increment as the request throttles.
    """

    scope = "failed_token"

    def get_rate(self):
        # Read on every request, like the throttle rates.
        return settings.THROTTLE_FAILED_TOKEN

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": client_identity(request),
        }


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle = TokenFailureThrottle()
            if throttle.allow_request(request, view=None):
                raise
        # At least a second: a Retry-After of 0 would not be sent.
        wait = max(math.ceil(throttle.wait()), 1)
        logger.warning(
            "Refused a token from %s: too many failed tokens, %s s to wait",
            client_address(request),
            wait,
        )
        raise TooManyTokenFailures(wait=wait)

    def authenticate_credentials(self, token):
        if not _is_printable_ascii(token):
            raise exceptions.AuthenticationFailed(_("Invalid token."))

        digest = hash_token(token.decode())
        slot = caching.lookup(digest)
        cached = caching.cached_token(slot, digest)
        if cached is not None and not _has_expired(cached):
            return cached.user, cached

        # Knox's own check, which also deletes an expired token.
        user, auth_token = super().authenticate_credentials(token)
        caching.remember(slot, auth_token)
        return user, auth_token

    def _cleanup_token(self, auth_token):
        """True (and the token deleted) when `auth_token` has expired."""
        if not _has_expired(auth_token):
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(
            sender=self.__class__, username=username, source="auth_token"
        )
        return True


def _has_expired(auth_token):
    return auth_token.expiry is not None and auth_token.expiry < timezone.now()


def _is_printable_ascii(raw):
    return all(0x21 <= byte <= 0x7E for byte in raw)


class TokenAuthenticationScheme(KnoxTokenScheme):
    """Documents the `Token` header for the subclass above in the schema."""

    target_class = "accounts.authentication.TokenAuthentication"
