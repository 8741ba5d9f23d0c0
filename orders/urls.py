from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("orders/", views.OrderListView.as_view(), name="list"),
    path("orders/checkout/", views.CheckoutView.as_view(), name="checkout"),
    path("orders/delete-all/", views.OrderHideAllView.as_view(), name="hide-all"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="detail"),
    path("orders/<int:pk>/cancel/", views.OrderCancelView.as_view(), name="cancel"),
    path("orders/<int:pk>/status/", views.OrderStatusView.as_view(), name="status"),
    path("orders/<int:pk>/delete/", views.OrderHideView.as_view(), name="hide"),
    path("admin/orders/", views.StaffOrderListView.as_view(), name="admin-list"),
]
