import io

import pytest
from PIL import Image

from .factories import CategoryFactory, ProductFactory


def image_bytes(image_format="PNG", size=(8, 8)):
    """A small real image, encoded in `image_format`."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, format=image_format)
    return buffer.getvalue()


def stored_files(root):
    return sorted(
        str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()
    )


@pytest.fixture
def media_root(settings, tmp_path):
    """A fresh, empty MEDIA_ROOT for tests that store or refuse files."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def category(db):
    return CategoryFactory(name="Clothing", slug="clothing")


@pytest.fixture
def child_category(category):
    return CategoryFactory(parent=category, name="Shirts", slug="shirts")


@pytest.fixture
def product(child_category):
    return ProductFactory(
        category=child_category, name="Linen Shirt", slug="linen-shirt"
    )
