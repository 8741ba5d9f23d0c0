"""
Cached reads of the catalog, dropped whenever the catalog changes.

Every cached value is stored under the catalog's current *generation*, a
random token kept in the cache itself. Any write to a product or a
category (a save, a delete, a tree move, a bulk change made through the
admin) draws a new generation, and every value cached under the old one is
never read again; the cache evicts it in time. A new token rather than a
counter, so that a flushed or restarted cache can never bring an old
generation back.

What is cached depends only on the catalog's own rows: the category tree,
and the number of products a filter matches (not with `in_stock`, which
checkout changes by a bulk UPDATE without touching the catalog's
generation). Product bodies, which show stock, are never cached.

With Redis (production) every worker shares the generation, so a change
made through one is seen by all. `TTL` bounds how long a value can outlive
a change made behind the application's back (raw SQL, a restore).
"""

import hashlib
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from treebeard.mp_tree import nodes_deleted, path_updated

from .models import Category, Product

GENERATION_KEY = "catalog:generation"
TTL = 10 * 60


def catalog_generation():
    """
    The current generation, a fresh one when the cache holds none; None
    when the cache cannot be reached (its calls then answer None).
    """
    generation = cache.get(GENERATION_KEY)
    if generation is not None:
        return generation
    fresh = uuid.uuid4().hex
    added = cache.add(GENERATION_KEY, fresh, timeout=None)
    if added:
        return fresh
    # False: another process set one first. None: no cache to be had.
    return cache.get(GENERATION_KEY) if added is False else None


def start_new_generation():
    """
    Retires every cached catalog value: at once, and again when the current
    transaction (if any) commits. A reader between the two still sees the
    rows from before the commit and may cache them under the first new
    generation; the second retires those.
    """
    _set_new_generation()
    transaction.on_commit(_set_new_generation)


def _set_new_generation():
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def remember(name, compute, *, variant=""):
    """
    The value cached as `name` (and `variant`, any text) in the current
    generation, or `compute()`'s result, cached on the way out. A cache
    that cannot be reached only costs the computation.
    """
    generation = catalog_generation()
    if generation is None:
        return compute()
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32] if variant else "-"
    key = f"catalog:{generation}:{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TTL)
    return value


@receiver(post_save, sender=Product)
@receiver(post_delete, sender=Product)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(path_updated, sender=Category)
@receiver(nodes_deleted, sender=Category)
def _catalog_changed(sender, **kwargs):
    start_new_generation()
