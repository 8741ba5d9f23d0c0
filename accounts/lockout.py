"""
Lockout against password guessing, per email and per client address, for
logins and for password reset requests. A password change's check of the
current password counts as a login with the user's email: a stolen token
must not buy more guesses than the login form.

Every attempt takes a place in an atomic counter (`cache.add`, then
`cache.incr`: one Redis command each) before any password is checked, so
however many attempts arrive at the same moment, no more than the limit get
to check one. Past the limit the email or address is locked: the first
lock lasts LOCKOUT_BASE_SECONDS; each time a lock runs out one more attempt
may go ahead, and it starts a lock twice as long as the last, up to
LOCKOUT_MAX_SECONDS, which holds every other attempt while it checks its
password. A successful login clears its email's count and gives its
address back the place it took and the lock it started, so that people
behind one address who log in correctly (an office) are never locked out
for longer and longer. An attempt refused for its locked email gives its
address back the same. Counts are forgotten LOCKOUT_FORGET_AFTER_SECONDS
after the first attempt.

A client address is counted by `client_identity()`: the address itself,
or for IPv6 its /64 network, which one client may fill with addresses of
its choosing. Log lines name the full address.

The counters live in the default cache (Redis in production, shared by
every worker). When it cannot be reached, attempts go through unchecked and
django-redis logs a warning for each failed call: an outage must not lock
every customer out.
"""

import contextlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions

from ravoos_pansy.network import client_address, client_identity
from ravoos_pansy.throttling import email_digest

logger = logging.getLogger(__name__)

# 2 ** 30 seconds is decades: every lock is capped long before.
MAX_DOUBLINGS = 30


class LockedOut(exceptions.Throttled):
    default_detail = "Too many attempts."


@dataclass(frozen=True)
class Attempt:
    """The counters one attempt took a place in, and the lock it started."""

    email_key: str
    address_key: str
    # When the address's last lock had run out, the end of the new lock this
    # attempt started there; None otherwise.
    address_lock: float | None = None


def _count(key):
    """Adds one to the counter at `key`; None when the cache is unreachable."""
    forget_after = settings.LOCKOUT_FORGET_AFTER_SECONDS
    cache.add(key, 0, timeout=forget_after)
    try:
        return cache.incr(key)
    except ValueError:
        # The counter expired between the two calls: start it again.
        cache.add(key, 1, timeout=forget_after)
        return 1


def _give_back(key):
    # A counter already forgotten has nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(key)


def _refuse(key, *, address, wait, reason):
    logger.warning(
        "Refused an attempt on %s from %s: %s, %s s to wait",
        key,
        address,
        reason,
        wait,
    )
    raise LockedOut(wait=wait)


def _enter(key, *, limit, address):
    """
    Counts an attempt on one counter and raises LockedOut unless it may go
    ahead: while under the limit, or as the one attempt allowed when the
    last lock has run out. In that last case it returns the end of the new
    lock the attempt started (for `_release`), else None.
    """
    attempts = _count(f"{key}:attempts")
    if attempts is None or attempts <= limit:
        return None

    strikes = cache.get(f"{key}:strikes", 0)
    duration = min(
        settings.LOCKOUT_BASE_SECONDS * 2 ** min(strikes, MAX_DOUBLINGS),
        settings.LOCKOUT_MAX_SECONDS,
    )
    now = time.time()
    if cache.add(f"{key}:lock", now + duration, timeout=duration) is False:
        locked_until = cache.get(f"{key}:lock") or now + 1
        _refuse(
            key, address=address, wait=math.ceil(locked_until - now), reason="locked"
        )

    # This attempt set the lock. The first time, the limit has just been
    # passed and the lock starts now; later, the last lock had run out and
    # this one attempt goes ahead while the new, longer lock holds the rest.
    if _count(f"{key}:strikes") == 1:
        _refuse(key, address=address, wait=duration, reason=f"{limit} attempts used")
    logger.info(
        "Letting one attempt on %s from %s through; next lock %s s",
        key,
        address,
        duration,
    )
    return now + duration


def _release(key, lock):
    """
    Takes back a place an attempt took on `key` and, if it started `lock`,
    that lock and the doubling it counted: as if the attempt never came.
    """
    _give_back(f"{key}:attempts")
    if lock is None:
        return
    # While this lock holds, no other attempt can start one; a different
    # value means it ran out and another attempt started the next.
    if cache.get(f"{key}:lock") == lock:
        cache.delete(f"{key}:lock")
        _give_back(f"{key}:strikes")


def begin_attempt(*, action, email, request):
    """
    Lets an attempt at `action` ("login", which a password change's check
    of the current password shares, or "password_reset") for `email`
    from the client of `request` go ahead, or raises LockedOut (a 429 with
    Retry-After) while either is locked. Returns the Attempt, for
    `record_success`.
    """
    address = client_address(request)
    email_key = f"lockout:{action}:email:{email_digest(email)}"
    address_key = f"lockout:{action}:address:{client_identity(request)}"

    address_lock = _enter(
        address_key, limit=settings.LOCKOUT_FAILURES_PER_ADDRESS, address=address
    )
    try:
        _enter(email_key, limit=settings.LOCKOUT_FAILURES_PER_EMAIL, address=address)
    except LockedOut:
        # A locked email is no fault of the address: others behind it (an
        # office, a mobile network) keep their share, and no password was
        # checked to deserve a longer lock.
        _release(address_key, address_lock)
        raise

    return Attempt(
        email_key=email_key, address_key=address_key, address_lock=address_lock
    )


def record_success(attempt):
    """
    A correct password: the email's failures are forgotten, and the address
    gets back the place and any lock the attempt took there. Its earlier
    failures still count: a success with one's own account must not buy
    more guesses at others'.
    """
    cache.delete_many(
        [f"{attempt.email_key}:{part}" for part in ("attempts", "strikes", "lock")]
    )
    _release(attempt.address_key, attempt.address_lock)
