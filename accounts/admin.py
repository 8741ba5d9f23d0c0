from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .forms import AdminLoginForm, UserAdminChangeForm, UserCreationForm
from .models import Address, User

# Logging in to the admin passes the login lockout, like the API's login.
admin.site.login_form = AdminLoginForm


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = [
        "full_name",
        "phone",
        "street",
        "landmark",
        "city",
        "state",
        "pincode",
        "is_default",
        "created_at",
    ]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("name",)}),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ["email", "name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [AddressInline]

    def get_inlines(self, request, obj):
        # A user being created has no addresses yet.
        return self.inlines if obj else []


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["full_name", "user", "city", "pincode", "is_default", "created_at"]
    list_filter = ["is_default", "state"]
    search_fields = ["full_name", "user__email", "city", "pincode", "phone"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]
    ordering = ["-created_at"]
