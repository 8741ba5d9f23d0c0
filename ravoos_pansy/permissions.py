from rest_framework import permissions


class IsCustomer(permissions.BasePermission):
    """
    An authenticated shopper. Staff accounts are refused: they run the shop
    and have no cart or orders of their own.
    """

    message = "Staff accounts cannot shop; use a customer account."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and not user.is_staff)


class IsStaff(permissions.BasePermission):
    message = "Only staff may do this."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)
