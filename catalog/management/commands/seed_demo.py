"""
Demo data for development and benchmarks: a category tree, products with
stock (some with generated images), a demo customer with an address, a demo
staff user and two coupons.

Idempotent: every row has a fixed natural key (slug, email, code) and is
created only when missing, so a second run adds nothing. Product number i
always gets the same name, slug, category, price and stock.
"""

import io
import random
import time
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw

from accounts.models import Address, User
from catalog.caching import catalog_changed
from catalog.models import Category, Product
from catalog.services import lock_category_tree
from coupons.models import Coupon
from orders import pricing

DEFAULT_PRODUCT_COUNT = 200
BATCH_SIZE = 2000
# Images are drawn and stored one by one; a few dozen show the feature
# without slowing the seed.
IMAGE_COUNT = 24
IMAGE_SIZE = 320
PRODUCT_SLUG_PREFIX = "demo-"

CUSTOMER_EMAIL = "customer@ravoos.example"
CUSTOMER_PASSWORD = "pansy-demo-customer"  # noqa: S105 - a published demo login
STAFF_EMAIL = "admin@ravoos.example"
STAFF_PASSWORD = "pansy-demo-admin"  # noqa: S105 - a published demo login

THEME_COLOURS = {
    "indigo": (63, 81, 181),
    "amber": (255, 179, 0),
    "slate": (84, 110, 122),
    "rose": (216, 27, 96),
    "forest": (46, 125, 50),
    "teal": (0, 137, 123),
    "plum": (142, 36, 170),
    "sand": (188, 170, 164),
}

# (name, theme, children); a child is the same triple, so any depth works.
# Products go to the leaves, each with its own list of nouns.
CATEGORY_TREE = [
    (
        "Clothing",
        "indigo",
        [
            ("Shirts", "indigo", ["Shirt", "Polo", "Oxford Shirt", "Linen Shirt"]),
            ("Trousers", "slate", ["Chinos", "Jeans", "Cargo Trousers", "Joggers"]),
            ("Kurtas", "rose", ["Kurta", "Kurta Set", "Nehru Jacket", "Dupatta"]),
            ("Footwear", "sand", ["Sneakers", "Sandals", "Loafers", "Juttis"]),
        ],
    ),
    (
        "Home & Kitchen",
        "amber",
        [
            ("Cookware", "amber", ["Kadhai", "Tawa", "Pressure Cooker", "Saucepan"]),
            ("Tableware", "teal", ["Dinner Plate", "Thali Set", "Mug", "Bowl"]),
            ("Bedding", "plum", ["Bedsheet", "Quilt", "Pillow Cover", "Blanket"]),
        ],
    ),
    (
        "Electronics",
        "slate",
        [
            ("Phones", "slate", ["Phone Case", "Charger", "Power Bank", "Cable"]),
            (
                "Audio",
                "teal",
                [
                    ("Headphones", "teal", ["Headphones", "Earbuds", "Headset"]),
                    ("Speakers", "indigo", ["Speaker", "Soundbar", "Radio"]),
                ],
            ),
            ("Computer Accessories", "slate", ["Keyboard", "Mouse", "Webcam"]),
        ],
    ),
    (
        "Books",
        "rose",
        [
            ("Fiction", "rose", ["Novel", "Short Stories", "Thriller"]),
            ("Non-fiction", "sand", ["Biography", "History", "Essays"]),
            ("Children's Books", "amber", ["Picture Book", "Story Book", "Atlas"]),
        ],
    ),
    (
        "Garden",
        "forest",
        [
            ("Plants", "forest", ["Tulsi Plant", "Money Plant", "Fern", "Cactus"]),
            ("Seeds", "forest", ["Tomato Seeds", "Marigold Seeds", "Herb Seeds"]),
            ("Garden Tools", "sand", ["Trowel", "Pruner", "Watering Can"]),
        ],
    ),
]

ADJECTIVES = [
    "Classic",
    "Everyday",
    "Premium",
    "Handmade",
    "Compact",
    "Vintage",
    "Eco",
    "Deluxe",
    "Festive",
    "Travel",
]


class Command(BaseCommand):
    help = (
        "Loads demo data: a category tree, products with stock (some with "
        "images), a demo customer and staff login, and two coupons. Safe to "
        "run again: only what is missing is added."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--products",
            type=int,
            default=DEFAULT_PRODUCT_COUNT,
            metavar="N",
            help="How many demo products there should be "
            f"(default {DEFAULT_PRODUCT_COUNT}); the missing ones are "
            "bulk-inserted. Use a large N for benchmarks.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off.",
        )

    def handle(self, *args, products, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production. seed_demo adds demo "
                "accounts with published passwords; pass --force if you mean it."
            )
        if products < 0:
            raise CommandError("--products must be zero or more.")

        started = time.monotonic()
        with transaction.atomic():
            # Computed from the paths read below, as a staff move would be.
            lock_category_tree()
            leaves = self._seed_categories()
        created = self._seed_products(count=products, leaves=leaves)
        # Bulk inserts send no save signal: retire cached catalog reads.
        catalog_changed()
        with transaction.atomic():
            self._seed_users()
            self._seed_coupons()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {time.monotonic() - started:.1f}s: "
                f"{Category.objects.count()} categories, "
                f"{Product.objects.count()} products ({created} new)."
            )
        )
        for label, email, password in [
            ("Customer login:", CUSTOMER_EMAIL, CUSTOMER_PASSWORD),
            ("Staff login:   ", STAFF_EMAIL, STAFF_PASSWORD),
        ]:
            self.stdout.write(
                f"  {label} {email} / {self._password_note(email, password)}"
            )
        self.stdout.write("  Coupons:        WELCOME100, SAVE10")

    @staticmethod
    def _password_note(email, password):
        """The demo password, unless the account's password was changed."""
        user = User.objects.with_email(email).first()
        if user is not None and user.check_password(password):
            return password
        return "(password changed since it was created; left as it is)"

    # --- Categories ---------------------------------------------------------

    def _seed_categories(self):
        """Creates the missing categories; returns the leaves with nouns."""
        existing = {category.slug: category for category in Category.objects.all()}
        leaves = []

        def walk(entries, parent):
            for name, theme, children in entries:
                slug = slugify(name)
                category = existing.get(slug)
                if category is None:
                    kwargs = {"name": name, "slug": slug, "theme": theme}
                    if parent is None:
                        category = Category.objects.add_root(kwargs)
                    else:
                        category = Category.objects.add_child(parent, kwargs)
                    existing[slug] = category
                if isinstance(children[0], str):
                    leaves.append((category, children))
                else:
                    walk(children, category)

        walk(CATEGORY_TREE, None)
        return leaves

    # --- Products -----------------------------------------------------------

    def _seed_products(self, *, count, leaves):
        """Bulk-inserts demo products 1..count that are not there yet."""
        existing = set(
            Product.objects.filter(slug__startswith=PRODUCT_SLUG_PREFIX).values_list(
                "slug", flat=True
            )
        )
        missing = [
            spec
            for spec in (
                _product_spec(number, leaves) for number in range(1, count + 1)
            )
            if spec["slug"] not in existing
        ]
        if not missing:
            self.stdout.write(f"Products: all {count} demo products already exist.")
            return 0

        for start in range(0, len(missing), BATCH_SIZE):
            batch = missing[start : start + BATCH_SIZE]
            with transaction.atomic():
                Product.objects.bulk_create(
                    [_product_from_spec(spec) for spec in batch],
                    batch_size=BATCH_SIZE,
                )
            done = start + len(batch)
            self.stdout.write(
                f"Products: {done}/{len(missing)} inserted "
                f"({100 * done // len(missing)}%)"
            )
        return len(missing)

    # --- Accounts and coupons -----------------------------------------------

    def _seed_users(self):
        customer = _ensure_user(
            email=CUSTOMER_EMAIL, name="Demo Customer", password=CUSTOMER_PASSWORD
        )
        if not customer.addresses.exists():
            Address.objects.create(
                user=customer,
                full_name="Demo Customer",
                phone="+919800000001",
                street="12 MG Road",
                city="Pune",
                state="Maharashtra",
                pincode="411001",
                landmark="Near the clock tower",
                is_default=True,
            )
        _ensure_user(
            email=STAFF_EMAIL,
            name="Demo Admin",
            password=STAFF_PASSWORD,
            is_staff=True,
            is_superuser=True,
        )

    def _seed_coupons(self):
        coupons = [
            {
                "code": "WELCOME100",
                "kind": Coupon.Kind.FIXED,
                "value": Decimal("100.00"),
                "min_subtotal": Decimal("500.00"),
            },
            {
                "code": "SAVE10",
                "kind": Coupon.Kind.PERCENT,
                "value": Decimal("10.00"),
                "max_discount": Decimal("250.00"),
            },
        ]
        for fields in coupons:
            if not Coupon.objects.by_code(fields["code"]).exists():
                Coupon.objects.create(**fields)


def _ensure_user(*, email, name, password, **flags):
    """The user with this email; created with `password` when missing."""
    user = User.objects.with_email(email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name, **flags)
    return user


def _product_spec(number, leaves):
    """Everything about demo product `number`, the same on every run."""
    rng = random.Random(number)  # noqa: S311 - demo data, not security
    category, nouns = leaves[number % len(leaves)]
    noun = nouns[(number // len(leaves)) % len(nouns)]
    adjective = ADJECTIVES[(number // (len(leaves) * len(nouns))) % len(ADJECTIVES)]
    name = f"{adjective} {noun}"
    rupees = rng.choice([99, 149, 199, 249, 299, 499, 799, 999, 1499, 2499, 4999])
    stock = 0 if number % 17 == 0 else rng.randint(1, 120)
    return {
        "number": number,
        "name": name,
        "slug": f"{PRODUCT_SLUG_PREFIX}{number:06d}-{slugify(name)}",
        "description": (
            f"{name} from our {category.name.lower()} range. "
            f"Demo product number {number}, made for browsing and benchmarks."
        ),
        "price": pricing.round_money(rupees),
        "stock": stock,
        "category": category,
    }


def _product_from_spec(spec):
    product = Product(
        name=spec["name"],
        slug=spec["slug"],
        description=spec["description"],
        price=spec["price"],
        stock=spec["stock"],
        category=spec["category"],
    )
    if spec["number"] <= IMAGE_COUNT:
        product.image.name = _demo_image(spec)
    return product


def _demo_image(spec):
    """Stores (once) a small generated PNG for a demo product; its name."""
    name = f"products/demo/{spec['slug']}.png"
    if default_storage.exists(name):
        return name

    colour = THEME_COLOURS.get(spec["category"].theme, THEME_COLOURS["slate"])
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), colour)
    draw = ImageDraw.Draw(image)
    inset = IMAGE_SIZE // 5
    draw.ellipse(
        (inset, inset, IMAGE_SIZE - inset, IMAGE_SIZE - inset), fill=(255, 255, 255)
    )
    draw.text((inset, IMAGE_SIZE - inset // 2), spec["name"], fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return default_storage.save(name, ContentFile(buffer.getvalue()))
