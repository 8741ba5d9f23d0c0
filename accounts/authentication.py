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
  expired tokens are deleted at each login (`accounts.services.issue_token`):
  one query per authenticated request instead of two.
- DRF authenticates before it throttles, so a flood of wrong keys would
  each cost a lookup and a 401, forever. Failed token authentications are
  counted per client (`client_identity`: the address, or an IPv6 /64) at
  the rate `THROTTLE_FAILED_TOKEN`; past it, every token request from that
  client gets a 429 with Retry-After, before any query, until the window
  closes. Guest routes (signup, login, password reset) read no token and
  stay open, so a client can always log in again.
"""

import logging
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from ravoos_pansy.network import client_address, client_identity
from ravoos_pansy.throttling import WindowRateThrottle

logger = logging.getLogger(__name__)


class TooManyTokenFailures(exceptions.Throttled):
    default_detail = "Too many requests with an invalid token."


class TokenFailureThrottle(WindowRateThrottle):
    """
    Failed token authentications of one client in a window, counted with
    the same atomic increment as the request throttles; only failures are
    counted, and the count is read before each token is looked up.
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

    def has_failures_left(self, request):
        """
        False once the client's failures fill its window. Requests checked
        at the same moment may all pass, so concurrent workers can let a
        few more failures through than the rate: at most one more for each
        request in flight.
        """
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view=None)
        failures = self.cache.get(self.key)
        return failures is None or failures < self.num_requests

    def record_failure(self, request):
        self.allow_request(request, view=None)


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate(self, request):
        if not self._is_sent_with(request):
            return None

        throttle = TokenFailureThrottle()
        if not throttle.has_failures_left(request):
            # At least a second: a Retry-After of 0 would not be sent.
            wait = max(math.ceil(throttle.wait()), 1)
            logger.warning(
                "Refused a token from %s: too many failed tokens, %s s to wait",
                client_address(request),
                wait,
            )
            raise TooManyTokenFailures(wait=wait)

        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record_failure(request)
            raise

    def _is_sent_with(self, request):
        """True when the Authorization header names this scheme (`Token`)."""
        header = get_authorization_header(request).split()
        prefix = self.authenticate_header(request).encode()
        return bool(header) and header[0].lower() == prefix.lower()

    def authenticate_credentials(self, token):
        if not _is_printable_ascii(token):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token):
        """True (and the token deleted) when `auth_token` has expired."""
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(
            sender=self.__class__, username=username, source="auth_token"
        )
        return True


def _is_printable_ascii(raw):
    return all(0x21 <= byte <= 0x7E for byte in raw)


class TokenAuthenticationScheme(KnoxTokenScheme):
    """Documents the `Token` header for the subclass above in the schema."""

    target_class = "accounts.authentication.TokenAuthentication"
