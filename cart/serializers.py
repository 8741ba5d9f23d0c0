from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import CartProblem

# Ids are 64-bit: a larger number is refused as input instead of reaching
# the database.
MAX_ID = 2**63 - 1

# What the JSON parser makes of each value that is not a whole number.
JSON_TYPE_NAMES = {
    bool: "true or false",
    str: "a string",
    float: "a decimal number",
    list: "a list",
    dict: "an object",
}


class IdField(serializers.IntegerField):
    """
    A row id, written as a JSON integer. A string, a decimal number such as
    1.0 or true is refused (`incorrect_type`) instead of being read as an
    id: a client that sends one has a bug it should hear about.
    """

    default_error_messages = {
        "incorrect_type": "Expected an id as a whole number, not {data_type}.",
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            data_type = JSON_TYPE_NAMES.get(type(data), type(data).__name__)
            self.fail("incorrect_type", data_type=data_type)
        return super().to_internal_value(data)


class AddToCartSerializer(serializers.Serializer):
    product_id = IdField()
    # DRF's IntegerField takes 3, "3" and 3.0 but refuses 1.5, "1.5", true
    # and "abc": a quantity is a whole number however it is spelled.
    quantity = serializers.IntegerField(
        min_value=1, max_value=settings.MAX_CART_LINE_QUANTITY, default=1
    )


class UpdateCartItemSerializer(serializers.Serializer):
    item_id = IdField()
    quantity = serializers.IntegerField(
        max_value=settings.MAX_CART_LINE_QUANTITY,
        help_text="The new quantity; 0 or less removes the line.",
    )


class CartLineProductSerializer(serializers.Serializer):
    """The few product fields a cart line needs, read through the line."""

    id = serializers.IntegerField(source="product.id")
    name = serializers.CharField(source="product.name")
    slug = serializers.SlugField(source="product.slug")
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, source="product.price"
    )
    stock = serializers.IntegerField(source="product.stock")
    in_stock = serializers.BooleanField(source="product.in_stock")
    image = serializers.ImageField(source="product.image", allow_null=True)
    is_active = serializers.BooleanField(
        source="is_product_on_sale",
        help_text="False once the product or a category above it is switched off.",
    )


class CartLineProblemSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=CartProblem.choices)
    detail = serializers.CharField()
    available = serializers.IntegerField(
        allow_null=True, help_text="Units in stock, for `insufficient_stock`."
    )


class CartLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = CartLineProductSerializer(source="*")
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=None, decimal_places=2)
    is_purchasable = serializers.BooleanField()
    problem = serializers.SerializerMethodField()

    @extend_schema_field(CartLineProblemSerializer(allow_null=True))
    def get_problem(self, item):
        problem = item.problem
        if problem is None:
            return None
        available = None
        detail = problem.label
        if problem == CartProblem.INSUFFICIENT_STOCK:
            available = item.product.stock
            detail = (
                f"Only {available} in stock; lower the quantity to buy it."
                if available
                else "Out of stock."
            )
        return {"code": problem.value, "detail": detail, "available": available}


# A cart's money fields have no digit limit: a cart may add up to more than
# an order can record, which checkout refuses; the cart still shows it.


class CartSerializer(serializers.Serializer):
    items = CartLineSerializer(many=True, source="lines")
    item_count = serializers.IntegerField(help_text="Units over every line.")
    subtotal = serializers.DecimalField(
        max_digits=None, decimal_places=2, source="totals.subtotal"
    )
    gst = serializers.DecimalField(
        max_digits=None, decimal_places=2, source="totals.gst"
    )
    total = serializers.DecimalField(
        max_digits=None, decimal_places=2, source="totals.total"
    )


class ConflictErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["insufficient_stock", "product_inactive"])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class CartConflictResponseSerializer(serializers.Serializer):
    """The 409 body; `product_id` and `available` come with insufficient_stock."""

    type = serializers.CharField(help_text="Always `client_error`.")
    errors = ConflictErrorSerializer(many=True)
    product_id = serializers.IntegerField(required=False)
    available = serializers.IntegerField(required=False)
