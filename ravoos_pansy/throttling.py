"""
Request rate limits, counted in the default cache: Redis in production, so
that every worker process shares the counts.

DRF's own classes read their rates once, when the class is created; these
read `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` on every request, so a
changed setting applies at once. Those that count per client address take
it from `client_identity()`: the address, or for IPv6 its /64 network.
When the cache cannot be reached, the counts read as empty and requests go
through: a lost count costs less than a refused customer.

Each client's requests are counted in a window that opens with its first
request and lasts the rate's period, by one atomic increment: a single
Redis round trip per request, where DRF's own classes read and rewrite a
list of timestamps and can lose counts to concurrent requests. A cached
read sends its increment in the round trip that reads the cached body
(`ravoos_pansy.cached_responses`), so its count costs no trip of its own.
Across the end of one window and the start of the next a client may get
up to twice the rate, which is fine for rates. Password guessing is held
off by the lockout in `accounts.lockout`, whose delays grow.
"""

import logging
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac
from rest_framework import throttling
from rest_framework.settings import api_settings

from . import caching
from .network import client_address, client_identity

logger = logging.getLogger(__name__)


def email_digest(email):
    """
    A stand-in for an email address in cache keys and log lines: the same
    for every spelling of the address in upper or lower case, and of no use
    to anyone reading the cache or the logs without the SECRET_KEY.
    """
    normalised = email.strip().lower()
    # JSON may escape a lone surrogate ("\ud800"), which strict UTF-8
    # cannot encode. The throttles digest an email before the serializer
    # refuses such a one, so it must not fail here; any other text encodes
    # to the same bytes as before.
    return salted_hmac(
        "ravoos_pansy.throttling.email",
        normalised.encode("utf-8", "surrogatepass"),
        algorithm="sha256",
    ).hexdigest()


def submitted_email(request):
    """The `email` field of the request body, or None if it has none."""
    data = request.data
    email = data.get("email") if isinstance(data, Mapping) else None
    if not isinstance(email, str) or not email.strip():
        return None
    return email


class RateFromSettingsMixin:
    def get_rate(self):
        if not getattr(self, "scope", None):
            raise ImproperlyConfigured(f"{type(self).__name__} names no scope.")
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No rate in DEFAULT_THROTTLE_RATES for scope {self.scope!r}."
            ) from None

    def get_ident(self, request):
        # Log lines still name the full address (see allow_count).
        return client_identity(request)

    def allow_count(self, request, count):
        allowed = super().allow_count(request, count)
        if not allowed:
            logger.warning(
                "Throttled %s %s from %s (scope %s)",
                request.method,
                request.path,
                client_address(request),
                self.scope,
            )
        return allowed


class WindowRateThrottle(throttling.SimpleRateThrottle):
    """
    DRF's rate throttle, counting with one atomic increment per request in
    a window that opens with the client's first request (see above).

    Counting and judging are apart, so that a view may add the count to a
    round trip it makes anyway (`ravoos_pansy.cached_responses`):
    `counter()` names what this request adds to, and `allow_count()` judges
    the count it reached.
    """

    def allow_request(self, request, view):
        counter = self.counter(request, view)
        if counter is None:
            return True
        return self.allow_count(request, caching.count(counter))

    def counter(self, request, view):
        """The counter this request adds to; None when it is not limited."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return None
        return caching.Counter(key=self.key, seconds=self.duration)

    def allow_count(self, request, count):
        """
        Whether the request that brought the count to `count` may go on; a
        None count (the cache out of reach) lets it.
        """
        if count == 1:
            # This request opened the window.
            self.cache.set(self._opened_key, self.timer(), timeout=self.duration)
        return count is None or count <= self.num_requests

    def wait(self):
        """Seconds until the client's window closes."""
        opened = self.cache.get(self._opened_key)
        if opened is None:
            return self.duration
        return max(self.duration - (self.timer() - opened), 0)

    @property
    def _opened_key(self):
        return f"{self.key}:opened"


# Each class below takes its cache key from DRF's class of the same name and
# its counting from WindowRateThrottle, which the MRO puts between DRF's
# class and SimpleRateThrottle.


class AnonRateThrottle(
    RateFromSettingsMixin, throttling.AnonRateThrottle, WindowRateThrottle
):
    """Requests without a token, per client address (scope `anon`)."""


class UserRateThrottle(
    RateFromSettingsMixin, throttling.UserRateThrottle, WindowRateThrottle
):
    """Requests with a token, per user (scope `user`)."""

    def get_cache_key(self, request, view):
        # Anonymous requests are AnonRateThrottle's to count.
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class ScopedRateThrottle(
    RateFromSettingsMixin, throttling.ScopedRateThrottle, WindowRateThrottle
):
    """
    Views that name a `throttle_scope` (checkout), per user when signed in,
    else per client address; other views are not limited by it.
    """

    def allow_request(self, request, view):
        # DRF's own reads the view's scope first; `counter` does that here.
        return WindowRateThrottle.allow_request(self, request, view)

    def counter(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return None
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().counter(request, view)


class AuthAddressRateThrottle(RateFromSettingsMixin, WindowRateThrottle):
    """
    Signup, login and password reset requests, per client address (scope
    `auth`). One count covers all of them.
    """

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class AuthEmailRateThrottle(RateFromSettingsMixin, WindowRateThrottle):
    """
    Signup, login and password reset requests, per submitted email (scope
    `auth_email`), whatever address they come from. Requests without an
    email are left to the other throttles.
    """

    scope = "auth_email"

    def get_cache_key(self, request, view):
        email = submitted_email(request)
        if email is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": email_digest(email)}


AUTH_THROTTLE_CLASSES = [AuthAddressRateThrottle, AuthEmailRateThrottle]
