"""
Cached reads, each dropped whenever what it shows changes.

Every cached value is stamped with *generations*: random tokens kept in the
cache itself, each standing for some data (the catalog's rows, stock, one
customer's cart). A value is served only while the generations it was
stamped with are still the current ones, so drawing a new token for some
data retires, at once, every value that shows it; the cache evicts them in
time. A new token rather than a counter, so that a flushed or restarted
cache, or an evicted token, can never bring an old generation back.

A lookup is one round trip: the generations and the value are read
together, and with Redis the request's rate-limit counts are added to in
the same trip (`Counter`, `ravoos_pansy.cache_backends`). Keys name the
release (`READ_CACHE_RELEASE`), so a new deploy starts with none of the
bodies the old code rendered. With Redis (production) every worker shares
them, so a change made through one is seen by all. `READ_CACHE_SECONDS`
bounds how long a value can outlive a change made behind the application's
back (raw SQL, a restore); 0 turns these caches off, which is the default
without Redis, where each process would keep a cache of its own that the
others' changes never reach.
"""

import hashlib
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# Long enough to outlive every value stamped with a generation; an expired
# or evicted generation only turns those values into misses. Data whose
# values are cached briefly may keep its generations as briefly
# (`generation_seconds` below).
GENERATION_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Counter:
    """
    A count kept in the cache under `key`, which its first increment creates
    to last `seconds` (a throttle's window).
    """

    key: str
    seconds: int


@dataclass(frozen=True)
class Slot:
    """
    A place in the cache for one value: the value found there if it is
    still current (else None), and the generations to stamp a new one with
    (None when the cache is off or cannot be reached, so nothing is stored).
    `counts` holds the new count of each counter the lookup added to, by
    key (None when the cache cannot be reached).
    """

    key: str
    value: object
    generations: tuple | None
    counts: dict = field(default_factory=dict)


def lookup(
    name,
    *,
    variant="",
    generation_keys,
    generation_seconds=GENERATION_SECONDS,
    counters=(),
):
    """
    The slot of the value cached as `name` (and `variant`, any text), which
    shows the data that `generation_keys` stand for. A generation the cache
    does not hold yet is drawn, to last `generation_seconds`. Each of
    `counters` is added to on the way, even when the read cache is off.
    """
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32] if variant else "-"
    key = f"cached:{settings.READ_CACHE_RELEASE}:{name}:{digest}"
    if not settings.READ_CACHE_SECONDS:
        counts = count_all(counters)
        return Slot(key=key, value=None, generations=None, counts=counts)

    counts, found = _count_and_get_many(counters, [*generation_keys, key])
    generations = []
    for generation_key in generation_keys:
        generation = found.get(generation_key) or _first_generation(
            generation_key, generation_seconds
        )
        if generation is None:
            return Slot(key=key, value=None, generations=None, counts=counts)
        generations.append(generation)
    generations = tuple(generations)

    stamped = found.get(key)
    value = stamped[1] if stamped is not None and stamped[0] == generations else None
    return Slot(key=key, value=value, generations=generations, counts=counts)


def count(counter):
    """
    Adds one to `counter`, creating it if it has expired or never was;
    returns the new count, or None when the cache cannot be reached.
    """
    if hasattr(cache, "count_and_get_many"):
        return count_all([counter])[counter.key]
    try:
        return cache.incr(counter.key)
    except ValueError:
        pass  # Not there yet.
    if cache.add(counter.key, 1, timeout=counter.seconds):
        return 1
    try:
        # A concurrent call created it first.
        return cache.incr(counter.key)
    except ValueError:
        return None


def count_all(counters):
    """
    Adds one to each of `counters`, in one round trip with Redis; returns
    the new counts by key (see `count`).
    """
    counts, _ = _count_and_get_many(counters, [])
    return counts


def _count_and_get_many(counters, keys):
    """
    The new counts of `counters` and the values of `keys` found: one round
    trip for a cache that can do both at once (Redis), else a call each.
    """
    if hasattr(cache, "count_and_get_many"):
        answer = cache.count_and_get_many(counters, keys)
        if answer is None:  # Out of reach; the backend has logged it.
            return dict.fromkeys(counter.key for counter in counters), {}
        return answer
    counts = {counter.key: count(counter) for counter in counters}
    return counts, cache.get_many(keys)


def store(slot, value, *, timeout=None):
    """
    Caches `value` in `slot`, stamped with the slot's generations, for
    `READ_CACHE_SECONDS` or `timeout` seconds, whichever is shorter.
    """
    if slot.generations is None:
        return
    seconds = settings.READ_CACHE_SECONDS
    if timeout is not None:
        seconds = min(seconds, timeout)
    cache.set(slot.key, (slot.generations, value), timeout=seconds)


def remember(name, compute, *, variant="", generation_keys):
    """
    The value cached as `name` and `variant`, or `compute()`'s result,
    cached on the way out. A cache that cannot be reached only costs the
    computation.
    """
    slot = lookup(name, variant=variant, generation_keys=generation_keys)
    if slot.value is not None:
        return slot.value
    value = compute()
    store(slot, value)
    return value


def retire(generation_key, *, generation_seconds=GENERATION_SECONDS):
    """
    Retires every value stamped with the current `generation_key`: at once,
    and again when the current transaction (if any) commits. A reader
    between the two still sees the rows from before the commit and may
    cache them under the first new generation; the second retires those.
    """
    _set_new_generation(generation_key, generation_seconds)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(
            lambda: _set_new_generation(generation_key, generation_seconds)
        )


def retire_on_commit(generation_key):
    """
    Retires every value stamped with the current `generation_key` once the
    current transaction commits. Until then other readers still see the old
    rows in the database too, so nothing is retired early.
    """
    transaction.on_commit(
        lambda: _set_new_generation(generation_key, GENERATION_SECONDS)
    )


def _first_generation(generation_key, seconds):
    """
    A fresh generation for a cache that holds none; None when the cache
    cannot be reached (its calls then answer None).
    """
    fresh = uuid.uuid4().hex
    added = cache.add(generation_key, fresh, timeout=seconds)
    if added:
        return fresh
    # False: another process set one first. None: no cache to be had.
    return cache.get(generation_key) if added is False else None


def _set_new_generation(generation_key, seconds):
    cache.set(generation_key, uuid.uuid4().hex, timeout=seconds)
