"""
What retires cached catalog reads (see `ravoos_pansy.caching`).

Two generations stand for the catalog's data:

- `CATALOG`: names, prices, images, the tree, what is active. Any write to
  a product or a category (a save, a delete, a tree move, a bulk change
  made through the admin or `seed_demo`) draws a new one.
- `STOCK`: stock moved by checkout and cancellation
  (`catalog.services.change_stock`, a bulk UPDATE that sends no signal)
  draws a new one when its transaction commits.

A read names the generations of what it shows: the category tree and most
product counts outlive stock moves; product bodies do not.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from treebeard.mp_tree import nodes_deleted, path_updated

from ravoos_pansy import caching

from .models import Category, Product

CATALOG = "generation:catalog"
STOCK = "generation:stock"

CATALOG_ONLY = (CATALOG,)
CATALOG_AND_STOCK = (CATALOG, STOCK)


def catalog_changed():
    """Retires every cached value that shows catalog rows."""
    caching.retire(CATALOG)


def stock_changed():
    """Retires every cached value that shows stock, once the change commits."""
    caching.retire_on_commit(STOCK)


@receiver(post_save, sender=Product)
@receiver(post_delete, sender=Product)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(path_updated, sender=Category)
@receiver(nodes_deleted, sender=Category)
def _catalog_changed(sender, **kwargs):
    catalog_changed()
