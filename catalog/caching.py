"""
Cached reads of the catalog, dropped whenever what they show changes.

Every cached value is stamped with *generations*: random tokens kept in the
cache itself, one for the catalog's rows (names, prices, the tree, what is
active) and one for stock. A value is served only while the generations it
was stamped with are still the current ones, so drawing a new token retires
every value stamped with the old one at once; the cache evicts them in
time. A new token rather than a counter, so that a flushed or restarted
cache can never bring an old generation back.

- Any write to a product or a category (a save, a delete, a tree move, a
  bulk change made through the admin or `seed_demo`) draws a new catalog
  generation.
- Stock moved by checkout and cancellation (`catalog.services.change_stock`,
  a bulk UPDATE that sends no signal) draws a new stock generation when its
  transaction commits. Values that do not show stock, such as the category
  tree and most product counts, outlive it.

A lookup is one round trip: the generations and the value are read
together. With Redis (production) every worker shares them, so a change
made through one is seen by all. `CATALOG_CACHE_SECONDS` bounds how long a
value can outlive a change made behind the application's back (raw SQL, a
restore); 0 turns the cache off, which is the default when no shared cache
is configured and several processes could each keep their own.
"""

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from treebeard.mp_tree import nodes_deleted, path_updated

from .models import Category, Product

CATALOG_GENERATION_KEY = "catalog:generation"
STOCK_GENERATION_KEY = "catalog:stock-generation"


@dataclass(frozen=True)
class Slot:
    """
    A place in the cache for one value: the value found there if it is
    still current (else None), and the generations to stamp a new one with
    (None when the cache is off or cannot be reached, so nothing is stored).
    """

    key: str
    value: object
    generations: tuple | None


def lookup(name, *, variant="", shows_stock=False):
    """
    The slot of the value cached as `name` (and `variant`, any text). A
    value that `shows_stock` is also retired whenever stock moves.
    """
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32] if variant else "-"
    key = f"catalog:{name}:{digest}"
    if not settings.CATALOG_CACHE_SECONDS:
        return Slot(key=key, value=None, generations=None)

    generation_keys = (CATALOG_GENERATION_KEY,)
    if shows_stock:
        generation_keys += (STOCK_GENERATION_KEY,)
    found = cache.get_many([*generation_keys, key])
    generations = []
    for generation_key in generation_keys:
        generation = found.get(generation_key) or _first_generation(generation_key)
        if generation is None:
            return Slot(key=key, value=None, generations=None)
        generations.append(generation)
    generations = tuple(generations)

    stamped = found.get(key)
    if stamped is not None and stamped[0] == generations:
        return Slot(key=key, value=stamped[1], generations=generations)
    return Slot(key=key, value=None, generations=generations)


def store(slot, value):
    """Caches `value` in `slot`, stamped with the slot's generations."""
    if slot.generations is not None:
        cache.set(
            slot.key, (slot.generations, value), timeout=settings.CATALOG_CACHE_SECONDS
        )


def remember(name, compute, *, variant="", shows_stock=False):
    """
    The value cached as `name` and `variant`, or `compute()`'s result,
    cached on the way out. A cache that cannot be reached only costs the
    computation.
    """
    slot = lookup(name, variant=variant, shows_stock=shows_stock)
    if slot.value is not None:
        return slot.value
    value = compute()
    store(slot, value)
    return value


def _first_generation(generation_key):
    """
    A fresh generation for a cache that holds none; None when the cache
    cannot be reached (its calls then answer None).
    """
    fresh = uuid.uuid4().hex
    added = cache.add(generation_key, fresh, timeout=None)
    if added:
        return fresh
    # False: another process set one first. None: no cache to be had.
    return cache.get(generation_key) if added is False else None


def start_new_generation():
    """
    Retires every cached catalog value: at once, and again when the current
    transaction (if any) commits. A reader between the two still sees the
    rows from before the commit and may cache them under the first new
    generation; the second retires those.
    """
    _set_new_generation(CATALOG_GENERATION_KEY)
    transaction.on_commit(lambda: _set_new_generation(CATALOG_GENERATION_KEY))


def stock_changed():
    """
    Retires every cached value that shows stock once the current
    transaction commits. Until then other readers still see the old stock
    in the database too, so nothing is retired early.
    """
    transaction.on_commit(lambda: _set_new_generation(STOCK_GENERATION_KEY))


def _set_new_generation(generation_key):
    cache.set(generation_key, uuid.uuid4().hex, timeout=None)


@receiver(post_save, sender=Product)
@receiver(post_delete, sender=Product)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(path_updated, sender=Category)
@receiver(nodes_deleted, sender=Category)
def _catalog_changed(sender, **kwargs):
    start_new_generation()
