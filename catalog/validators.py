from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_product_image(file):
    """
    Accepts a real JPEG, PNG or WebP image of at most
    `settings.MAX_IMAGE_UPLOAD_BYTES`; Pillow reads the file, the name and
    the declared content type are not trusted.
    """
    # A file already in storage was checked when it was uploaded; opening
    # it again would download it from object storage on every save.
    if getattr(file, "_committed", False):
        return

    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if file.size > limit:
        raise ValidationError(
            "The image is larger than %(limit)s.",
            code="image_too_large",
            params={"limit": filesizeformat(limit)},
        )

    position = file.tell()
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            "Upload a valid image; the file is not one or is damaged.",
            code="invalid_image",
        ) from exc
    finally:
        file.seek(position)

    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(
            "Only JPEG, PNG and WebP images are accepted, not %(format)s.",
            code="unsupported_image_format",
            params={"format": image_format},
        )
