"""The project's routes, plus the ceiling the benchmark compares with."""

from django.urls import path

from ravoos_pansy.urls import urlpatterns as project_urlpatterns

from .views import CeilingView

# Ahead of the project's routes and outside /api/, whose last route answers
# every unknown path with a 404.
urlpatterns = [
    path("bench/ceiling/", CeilingView.as_view(), name="bench-ceiling"),
    *project_urlpatterns,
]

handler400 = "ravoos_pansy.errors.bad_request"
handler403 = "ravoos_pansy.errors.permission_denied"
handler404 = "ravoos_pansy.errors.page_not_found"
handler500 = "ravoos_pansy.errors.server_error"
