from decimal import Decimal

import factory

from catalog.models import Category, Product


class CategoryFactory(factory.django.DjangoModelFactory):
    """Creates a root category, or a child when `parent=` is given."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    theme = ""
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is not None:
            return model_class.objects.add_child(parent, kwargs)
        return model_class.objects.add_root(kwargs)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A fine thing."
    price = Decimal("100.00")
    stock = 10
    category = factory.SubFactory(CategoryFactory)
    is_active = True
