from django.urls import path

from . import views

urlpatterns = [
    path(
        "coupons/validate/",
        views.ValidateCouponView.as_view(),
        name="coupon-validate",
    ),
    path(
        "admin/coupons/",
        views.CouponAdminListView.as_view(),
        name="admin-coupon-list",
    ),
    path(
        "admin/coupons/<int:pk>/",
        views.CouponAdminDetailView.as_view(),
        name="admin-coupon-detail",
    ),
]
