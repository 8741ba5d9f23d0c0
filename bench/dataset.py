"""
Fills the benchmark database and writes the request files wrk replays.

Run by `bench.run` (`python -m bench.dataset --products N --out DIR`) with
the benchmark's environment. The catalog comes from `seed_demo`; on top of
it, customers with login tokens, addresses and carts, each pool sized so
that no request of a run meets a state an earlier one left behind:

- readers: a 3-line cart each, read again and again;
- shoppers: an empty cart at the start; each add raises one of three lines
  by one, far below the per-line limit within a run;
- buyers: a 3-line cart and a default address each, every one checked out
  exactly once (a checkout empties the cart);
- historians: a full first page of order history each, placed through
  `place_order` like any other order.

Each request file holds one request a line, `method<TAB>path<TAB>token
<TAB>body`, which `bench/wrk/replay.lua` sends in turn.
"""

import argparse
import io
import json
import os
from datetime import timedelta
from pathlib import Path

import django

READER_COUNT = 200
SHOPPER_COUNT = 500
BUYER_COUNT = 6000
HISTORIAN_COUNT = 40
ORDERS_PER_HISTORIAN = 21
HOT_PRODUCT_COUNT = 300
# Enough stock on the products in carts that no checkout of a run is short.
HOT_STOCK = 1_000_000
LINES_PER_CART = 3
EMAIL_DOMAIN = "bench.ravoos.example"
SEARCH_TERM = "speaker"
CLIENT_COUNT = 1000
CATEGORY_SLUG = "electronics"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--catalog-only",
        action="store_true",
        help="Seed the catalog and write the catalog request files only.",
    )
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()

    from django.core.management import call_command

    # seed_demo's progress lines and demo logins have no place in the table.
    call_command(
        "seed_demo", products=options.products, force=True, stdout=io.StringIO()
    )
    options.out.mkdir(parents=True, exist_ok=True)
    hot_products = _stock_hot_products()
    _write_catalog_requests(out=options.out, hot_products=hot_products)
    if not options.catalog_only:
        _write_customer_requests(out=options.out, hot_products=hot_products)
    _analyze()


def _stock_hot_products():
    """The ids of the products carts hold, given stock for a whole run."""
    from catalog.models import Product

    ids = list(
        Product.objects.active()
        .order_by("id")
        .values_list("id", flat=True)[:HOT_PRODUCT_COUNT]
    )
    Product.objects.filter(id__in=ids).update(stock=HOT_STOCK)
    return ids


def _write_catalog_requests(*, out, hot_products):
    products = "/api/products/"
    gets = {
        "ceiling": ["/bench/ceiling/"],
        "product_list": [products],
        "product_list_category": [f"{products}?category={CATEGORY_SLUG}"],
        "product_search": [f"{products}?search={SEARCH_TERM}"],
        "product_search_category": [
            f"{products}?category={CATEGORY_SLUG}&search={SEARCH_TERM}"
        ],
        "product_detail": [f"{products}{pk}/" for pk in hot_products],
        "category_tree": ["/api/categories/"],
    }
    for name, paths in gets.items():
        # A thousand lines at least: each line is a client address of its
        # own (see replay.lua), and every wrk thread needs lines.
        lines = max(len(paths), CLIENT_COUNT)
        _write_requests(
            out / f"{name}.tsv",
            [("GET", paths[index % len(paths)], "", "") for index in range(lines)],
        )


def _write_customer_requests(*, out, hot_products):
    from django.db import transaction

    with transaction.atomic():
        readers = _create_customers(role="reader", count=READER_COUNT)
        shoppers = _create_customers(role="shopper", count=SHOPPER_COUNT)
        buyers = _create_customers(role="buyer", count=BUYER_COUNT)
        historians = _create_customers(role="historian", count=HISTORIAN_COUNT)
        _fill_carts(customers=readers + buyers, hot_products=hot_products)
    _place_history(customers=historians, hot_products=hot_products)

    _write_requests(
        out / "cart_read.tsv",
        [("GET", "/api/cart/", token, "") for _, token, _ in readers],
    )
    # Round after round over every shopper, each round on the next of the
    # shopper's three products: consecutive requests never share a row.
    adds = [
        (
            "POST",
            "/api/cart/add/",
            token,
            json.dumps(
                {"product_id": hot_products[(index + round_) % len(hot_products)]}
            ),
        )
        for round_ in range(LINES_PER_CART)
        for index, (_, token, _) in enumerate(shoppers)
    ]
    _write_requests(out / "cart_add.tsv", adds)
    _write_requests(
        out / "checkout.tsv",
        [
            (
                "POST",
                "/api/orders/checkout/",
                token,
                json.dumps({"address_id": address}),
            )
            for _, token, address in buyers
        ],
    )
    _write_requests(
        out / "order_history.tsv",
        [("GET", "/api/orders/", token, "") for _, token, _ in historians],
    )


def _create_customers(*, role, count):
    """
    `count` customers with a login token and a default address each, bulk
    inserted; returns (user, token, address id) triples.
    """
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from knox import crypto
    from knox.models import AuthToken
    from knox.settings import CONSTANTS

    from accounts.models import Address, User

    users = User.objects.bulk_create(
        User(
            email=f"{role}-{number}@{EMAIL_DOMAIN}",
            name=f"Bench {role.title()} {number}",
            password=make_password(None),
        )
        for number in range(count)
    )
    expiry = timezone.now() + settings.REST_KNOX.get("TOKEN_TTL", timedelta(days=7))
    tokens = [crypto.create_token_string() for _ in users]
    AuthToken.objects.bulk_create(
        AuthToken(
            user=user,
            digest=crypto.hash_token(token),
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH],
            expiry=expiry,
        )
        for user, token in zip(users, tokens, strict=True)
    )
    addresses = Address.objects.bulk_create(
        Address(
            user=user,
            full_name=user.name,
            phone="+919800000002",
            street=f"{user.pk} Residency Road",
            city="Bengaluru",
            state="Karnataka",
            pincode="560025",
            is_default=True,
        )
        for user in users
    )
    return [
        (user, token, address.pk)
        for user, token, address in zip(users, tokens, addresses, strict=True)
    ]


def _cart_products(*, index, hot_products):
    """Three different hot products for cart number `index`."""
    return [
        hot_products[(index * LINES_PER_CART + line) % len(hot_products)]
        for line in range(LINES_PER_CART)
    ]


def _fill_carts(*, customers, hot_products, first_index=0):
    from cart.models import CartItem

    CartItem.objects.bulk_create(
        CartItem(user=user, product_id=product_id, quantity=1)
        for index, (user, _, _) in enumerate(customers, start=first_index)
        for product_id in _cart_products(index=index, hot_products=hot_products)
    )


def _place_history(*, customers, hot_products):
    """Orders placed the way checkout places them, a page and one each."""
    from orders.services import place_order

    for index, customer in enumerate(customers):
        user, _, address = customer
        for number in range(ORDERS_PER_HISTORIAN):
            _fill_carts(
                customers=[customer],
                hot_products=hot_products,
                first_index=index * ORDERS_PER_HISTORIAN + number,
            )
            place_order(user=user, address_id=address)


def _write_requests(path, requests):
    lines = ["\t".join(request) for request in requests]
    path.write_text("\n".join(lines) + "\n")


def _analyze():
    """Fresh planner statistics after the bulk inserts."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    main()
