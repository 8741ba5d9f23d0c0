"""
Request bodies are limited on every path, the admin's included, before
anything reads them: DATA_UPLOAD_MAX_MEMORY_SIZE, plus one product image
(MAX_IMAGE_UPLOAD_BYTES) for a multipart body. Over it, the API answers a
413 in its JSON error shape and every other path a plain-text 413.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import encode_multipart
from PIL import Image, PngImagePlugin

from accounts.tests.factories import StaffFactory
from catalog.models import Product
from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024
BOUNDARY = "BoUnDaRy"


def multipart(fields):
    return encode_multipart(BOUNDARY, fields)


def post_multipart(client, path, body):
    return client.generic(
        "POST", path, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )


def png_of_exactly(size):
    """A real PNG image of exactly `size` bytes, padded with a text chunk."""

    def encode(padding):
        info = PngImagePlugin.PngInfo()
        info.add_text("padding", "x" * padding)
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 40, 90)).save(buffer, "PNG", pnginfo=info)
        return buffer.getvalue()

    overhead = len(encode(0))
    return encode(size - overhead)


def test_a_12_mb_multipart_post_to_the_admin_login_is_a_plain_413(password):
    staff = StaffFactory(is_superuser=True)
    junk = SimpleUploadedFile("junk.bin", b"x" * (12 * MEGABYTE))
    body = multipart({"username": staff.email, "password": password, "junk": junk})

    response = post_multipart(Client(), "/admin/login/?next=/admin/", body)

    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert (
        response.content
        == (
            f"The request body is larger than the {6 * MEGABYTE} bytes allowed.\n"
        ).encode()
    )
    staff.refresh_from_db()
    assert staff.last_login is None


def test_a_form_over_the_limit_outside_the_api_is_a_plain_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = Client().post(
        "/admin/login/",
        "username=a%40ravoos.example&password=" + "x" * 1000,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 413
    assert response.content == (
        b"The request body is larger than the 1000 bytes allowed.\n"
    )


def test_the_admin_takes_a_product_image_of_the_full_image_limit(
    settings, tmp_path, admin_client
):
    settings.MEDIA_ROOT = tmp_path
    category = CategoryFactory()
    image = png_of_exactly(settings.MAX_IMAGE_UPLOAD_BYTES)
    body = multipart(
        {
            "name": "Clay pot",
            "slug": "clay-pot",
            "category": category.pk,
            "description": "Hand thrown.",
            "price": "12.50",
            "stock": "3",
            "is_active": "on",
            "image": SimpleUploadedFile("pot.png", image, content_type="image/png"),
        }
    )

    response = post_multipart(admin_client, "/admin/catalog/product/add/", body)

    assert len(image) == 5 * MEGABYTE
    assert len(body) > 5 * MEGABYTE
    assert response.status_code == 302
    product = Product.objects.get()
    assert product.image.size == 5 * MEGABYTE
