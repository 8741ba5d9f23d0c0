from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path

from .views import HealthView, RedocView, SchemaView, SwaggerView, api_not_found

api_patterns = [
    path("auth/", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("cart/", include("cart.urls")),
    path("", include("coupons.urls")),
    path("", include("orders.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    # Last: every other path under /api/ is a JSON 404, in DEBUG too.
    re_path(r"^api(?:/|$)", api_not_found),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "ravoos_pansy.errors.bad_request"
handler403 = "ravoos_pansy.errors.permission_denied"
handler404 = "ravoos_pansy.errors.page_not_found"
handler500 = "ravoos_pansy.errors.server_error"
