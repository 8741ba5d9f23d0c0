"""
The project's routes plus the uploaded media. The project serves media only
with DEBUG on, which a test server never has, and the admin's product
thumbnails should load in the browser like they do in development.
"""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from ravoos_pansy.urls import (  # noqa: F401 (the handlers are looked up here)
    handler400,
    handler403,
    handler404,
    handler500,
)
from ravoos_pansy.urls import urlpatterns as project_urlpatterns


def serve_media(request, path):
    # MEDIA_ROOT is read per request: each test points it at its own folder.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    *project_urlpatterns,
    re_path(r"^media/(?P<path>.+)$", serve_media),
]
