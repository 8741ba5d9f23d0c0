"""
A small shop for the access, input and fault tests: a customer (`user`) who
owns an address, a cart line, a placed order and a delivered one; another
customer (`other`) with the same; staff; a product, a coupon, a category.
Each role has its API client; `snapshot()` reads every table a request
could write, so a test can show that a refused request changed nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Address, User
from accounts.tests.factories import AddressFactory, StaffFactory, UserFactory
from cart.models import CartItem
from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from conftest import client_for
from coupons.models import Coupon, CouponRedemption
from coupons.tests.factories import CouponFactory
from orders import services
from orders.models import IdempotencyKey, Order, OrderLine, OrderStatusChange

ROLES = ("guest", "user", "other", "staff")

# Every table an API request may write to, in a fixed order.
WRITTEN_MODELS = (
    User,
    AuthToken,
    Address,
    Category,
    Product,
    CartItem,
    Coupon,
    CouponRedemption,
    Order,
    OrderLine,
    OrderStatusChange,
    IdempotencyKey,
)

# Columns a read may touch without changing anything a client relies on.
VOLATILE_COLUMNS = {"last_login"}


def snapshot():
    """Every row of every written table, as plain values by primary key."""
    return {
        model._meta.label: {
            row[model._meta.pk.attname]: {
                column: value
                for column, value in row.items()
                if column not in VOLATILE_COLUMNS
            }
            for row in model.objects.values()
        }
        for model in WRITTEN_MODELS
    }


def changed_tables(before, after):
    return sorted(label for label in before if before[label] != after[label])


def changes(before, after):
    """
    What happened between two snapshots, one string per fact:
    `+Label#pk` (a row added), `-Label#pk` (removed), `Label#pk.field`.
    """
    found = set()
    for label, old in before.items():
        new = after[label]
        found |= {f"+{label}#{pk}" for pk in new.keys() - old.keys()}
        found |= {f"-{label}#{pk}" for pk in old.keys() - new.keys()}
        for pk in old.keys() & new.keys():
            found |= {
                f"{label}#{pk}.{column}"
                for column, value in new[pk].items()
                if old[pk][column] != value
            }
    return found


def is_error_shape(body):
    """True for the API's one error shape: `type` and a list of errors."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return False
    errors = body.get("errors")
    return (
        isinstance(errors, list)
        and len(errors) > 0
        and all(
            isinstance(error, dict)
            and isinstance(error.get("code"), str)
            and isinstance(error.get("detail"), str)
            and "attr" in error
            for error in errors
        )
    )


# A checkout is held at its last insert, the order's first status history
# row, by a trigger that waits for an advisory lock: while a test holds that
# lock, the checkout has taken the stock and written the order, its lines and
# its coupon use, and committed none of it. Other tests never hold the lock,
# so the trigger lets their inserts through at once.
CHECKOUT_PAUSE_LOCK = 7_270_001
CHECKOUT_PAUSED_QUERY = 'INSERT INTO "orders_orderstatuschange"'
INSTALL_CHECKOUT_PAUSE = (
    f"""
    CREATE FUNCTION pause_checkout() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock_shared({CHECKOUT_PAUSE_LOCK});
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER pause_checkout BEFORE INSERT ON orders_orderstatuschange "
    "FOR EACH ROW EXECUTE FUNCTION pause_checkout()",
)
REMOVE_CHECKOUT_PAUSE = (
    "DROP TRIGGER IF EXISTS pause_checkout ON orders_orderstatuschange",
    "DROP FUNCTION IF EXISTS pause_checkout()",
)
HOLD_CHECKOUTS = f"SELECT pg_advisory_xact_lock({CHECKOUT_PAUSE_LOCK})"


def place_order_of(customer, *, address, product, quantity=1):
    CartItem.objects.create(user=customer, product=product, quantity=quantity)
    return services.place_order(user=customer, address_id=address.pk)


@dataclass
class Shop:
    user: User
    other: User
    staff: User
    category: Category
    spare_category: Category
    product: Product
    spare_product: Product
    coupon: Coupon
    address: Address
    other_address: Address
    cart_item: CartItem
    other_cart_item: CartItem
    order: Order
    finished_order: Order
    other_order: Order
    clients: dict = field(default_factory=dict)

    def client(self, role):
        return self.clients[role]

    def account(self, role):
        """The account a role signs in with; a guest borrows the owner's."""
        return {"other": self.other, "staff": self.staff}.get(role, self.user)

    def reset_link(self, role):
        """A password reset link for the role's account, valid right now."""
        account = self.account(role)
        account.refresh_from_db()
        return {
            "uid": urlsafe_base64_encode(force_bytes(account.pk)),
            "token": default_token_generator.make_token(account),
        }


@pytest.fixture
def shop(db, settings):
    settings.TAX_RATE = Decimal("0.05")
    user = UserFactory(name="Owner Person", email="owner@example.com")
    other = UserFactory(name="Other Person", email="other@example.com")
    staff = StaffFactory(email="staff@example.com")
    category = CategoryFactory(name="Kitchen", slug="kitchen")
    spare_category = CategoryFactory(name="Garden", slug="garden")
    product = ProductFactory(
        category=category, name="Teak bowl", price=Decimal("100.00"), stock=20
    )
    spare_product = ProductFactory(
        category=category, name="Brass lamp", price=Decimal("49.99"), stock=20
    )
    coupon = CouponFactory(code="SAVE50", value=Decimal("50.00"))
    address = AddressFactory(
        user=user, is_default=True, street="221B Owner Street", full_name="Owner"
    )
    other_address = AddressFactory(user=other, is_default=True)

    order = place_order_of(user, address=address, product=spare_product)
    finished_order = place_order_of(user, address=address, product=spare_product)
    Order.objects.filter(pk=finished_order.pk).update(status="delivered")
    finished_order.refresh_from_db()
    other_order = place_order_of(other, address=other_address, product=spare_product)

    shop = Shop(
        user=user,
        other=other,
        staff=staff,
        category=category,
        spare_category=spare_category,
        product=product,
        spare_product=spare_product,
        coupon=coupon,
        address=address,
        other_address=other_address,
        cart_item=CartItem.objects.create(user=user, product=product, quantity=2),
        other_cart_item=CartItem.objects.create(
            user=other, product=product, quantity=1
        ),
        order=order,
        finished_order=finished_order,
        other_order=other_order,
    )
    shop.clients = {
        "guest": APIClient(),
        "user": client_for(user),
        "other": client_for(other),
        "staff": client_for(staff),
    }
    return shop
