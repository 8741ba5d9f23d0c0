from django.urls import path

from . import views

urlpatterns = [
    path("categories/", views.CategoryTreeView.as_view(), name="category-tree"),
    path(
        "categories/<slug:slug>/",
        views.CategoryDetailView.as_view(),
        name="category-detail",
    ),
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path(
        "products/<int:pk>/", views.ProductDetailView.as_view(), name="product-detail"
    ),
    path(
        "admin/products/",
        views.StaffProductListView.as_view(),
        name="staff-product-list",
    ),
    path(
        "admin/products/<int:pk>/",
        views.StaffProductDetailView.as_view(),
        name="staff-product-detail",
    ),
    path(
        "admin/products/<int:pk>/delete/",
        views.StaffProductDeleteView.as_view(),
        name="staff-product-delete",
    ),
    path(
        "admin/categories/",
        views.StaffCategoryListView.as_view(),
        name="staff-category-list",
    ),
    path(
        "admin/categories/<int:pk>/",
        views.StaffCategoryDetailView.as_view(),
        name="staff-category-detail",
    ),
]
