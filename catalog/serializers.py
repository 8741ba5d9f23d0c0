from rest_framework import serializers

from ravoos_pansy.errors import ClientErrorResponseSerializer

from .models import Category, Product

MAX_STOCK = 2_147_483_647


class CategoryIdField(serializers.PrimaryKeyRelatedField):
    """
    A category named by its id. The id must be a whole number: the database
    lookup would read 1.5 or true as category 1, and fail on 1e309.
    """

    def to_internal_value(self, data):
        if isinstance(data, (bool, float)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


# --- Categories -------------------------------------------------------------


class CategoryRefSerializer(serializers.ModelSerializer):
    """A category named inside another body: a product's, a breadcrumb."""

    class Meta:
        model = Category
        fields = ("id", "name", "slug")
        read_only_fields = fields


class CategoryNodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "slug", "theme")
        read_only_fields = fields


class CategoryTreeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "slug", "theme", "children")
        read_only_fields = fields


# Declared after the class, which it refers to: each node holds its own
# kind, to any depth.
CategoryTreeSerializer._declared_fields["children"] = CategoryTreeSerializer(
    source="tree_children", many=True, read_only=True
)


class CategoryDetailSerializer(serializers.ModelSerializer):
    ancestors = CategoryRefSerializer(
        source="breadcrumb",
        many=True,
        read_only=True,
        help_text="From the root down to the parent; empty for a root.",
    )
    children = CategoryNodeSerializer(
        source="visible_children", many=True, read_only=True
    )

    class Meta:
        model = Category
        fields = ("id", "name", "slug", "theme", "ancestors", "children")
        read_only_fields = fields


class StaffCategorySerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(
        source="parent_id",
        read_only=True,
        allow_null=True,
        help_text="The parent's id; null for a top-level category.",
    )
    children_count = serializers.IntegerField(source="numchild", read_only=True)

    class Meta:
        model = Category
        fields = (
            "id",
            "name",
            "slug",
            "theme",
            "is_active",
            "parent",
            "depth",
            "children_count",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class CategoryConflictSerializer(ClientErrorResponseSerializer):
    """
    409 on deleting a category that is not empty: code
    `category_has_children` (with `child_count`) or `category_has_products`
    (with `product_count`).
    """

    child_count = serializers.IntegerField(required=False)
    product_count = serializers.IntegerField(required=False)


class CategoryWriteSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(
        max_length=Category._meta.get_field("slug").max_length,
        required=False,
        help_text="Made from the name when left out; must be unique.",
    )
    parent = CategoryIdField(
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        help_text="The parent category's id; null or left out for the top "
        "level. On update, left out means unchanged.",
    )
    # See ProductWriteSerializer.is_active.
    is_active = serializers.BooleanField(default=True)

    class Meta:
        model = Category
        fields = ("name", "slug", "theme", "is_active", "parent")

    def validate_slug(self, value):
        taken = Category.objects.filter(slug=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(
                "This slug is already in use.", code="unique"
            )
        return value


# --- Products ---------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)
    in_stock = serializers.BooleanField(read_only=True)
    image = serializers.ImageField(
        read_only=True, help_text="Absolute URL of the image, or null."
    )

    class Meta:
        model = Product
        fields = (
            "id",
            "name",
            "slug",
            "description",
            "price",
            "stock",
            "in_stock",
            "image",
            "category",
            "is_active",
            "created_at",
        )
        read_only_fields = fields


class StaffProductSerializer(ProductSerializer):
    class Meta(ProductSerializer.Meta):
        fields = (*ProductSerializer.Meta.fields, "updated_at")
        read_only_fields = fields


class ProductWriteSerializer(serializers.ModelSerializer):
    """
    A product as staff send it, as JSON or multipart (for the image).
    `category` is an id; the image is checked by Pillow (see
    `catalog.validators`).
    """

    slug = serializers.SlugField(
        max_length=Product._meta.get_field("slug").max_length,
        required=False,
        help_text="Made from the name when left out; must be unique.",
    )
    category = CategoryIdField(queryset=Category.objects.all())
    # An explicit default: a form or multipart body that leaves the field
    # out would otherwise read as false, as an unticked checkbox does.
    is_active = serializers.BooleanField(default=True)

    class Meta:
        model = Product
        fields = (
            "name",
            "slug",
            "description",
            "price",
            "stock",
            "image",
            "category",
            "is_active",
        )
        extra_kwargs = {
            # The same bound on every database (SQLite's integers are wider).
            "stock": {"min_value": 0, "max_value": MAX_STOCK},
            "image": {
                # Stored under a generated name, so the client's may be long.
                "max_length": None,
                "help_text": "A JPEG, PNG or WebP image of at most 5 MB "
                "(multipart); null removes the image.",
            },
        }

    def validate_slug(self, value):
        taken = Product.objects.filter(slug=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(
                "This slug is already in use.", code="unique"
            )
        return value
