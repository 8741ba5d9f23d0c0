from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from ravoos_pansy.errors import Conflict

from . import services
from .caching import catalog_changed
from .models import Category, Product


def _set_active(modeladmin, request, queryset, *, is_active):
    # A bulk UPDATE skips auto_now, so the change time is written here.
    changed = queryset.update(is_active=is_active, updated_at=timezone.now())
    # No save signal for a bulk UPDATE: retire the cached catalog reads here.
    catalog_changed()
    word = "activated" if is_active else "deactivated"
    modeladmin.message_user(request, f"{changed} {word}.", messages.SUCCESS)


@admin.action(description="Activate the selected items")
def activate(modeladmin, request, queryset):
    _set_active(modeladmin, request, queryset, is_active=True)


@admin.action(description="Deactivate the selected items")
def deactivate(modeladmin, request, queryset):
    _set_active(modeladmin, request, queryset, is_active=False)


class CategoryNotEmpty(Exception):
    """A category staff asked to delete still has children or products."""

    def __init__(self, category, reason):
        super().__init__(str(reason))
        self.category = category
        self.reason = reason


def _delete_category(category):
    """Deletes `category` by the staff API's rule; `CategoryNotEmpty` if not."""
    try:
        services.delete_category(category=category)
    except Conflict as exc:
        raise CategoryNotEmpty(category, exc.detail) from exc


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    """
    The category tree, drawn as a tree; drag or use the form to move.

    Deleting follows the staff API: only a category without children or
    products goes, through `services.delete_category`. Treebeard's own
    delete would take the whole subtree, and fail on a product below.
    Adding and moving take the staff API's tree lock.
    """

    form = movenodeform_factory(Category)
    list_display = ("name", "slug", "theme", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    # Named like the site-wide action, which this one replaces.
    actions = ("delete_selected", activate, deactivate)

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method == "POST":
            # Django runs a POST in a transaction; the form then reads the
            # node and its target only once no other tree write is running.
            services.lock_category_tree()
        return super()._changeform_view(request, object_id, form_url, extra_context)

    @transaction.atomic
    def move_node(self, request):
        services.lock_category_tree()
        return super().move_node(request)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except CategoryNotEmpty as refused:
            # Raised inside the view's transaction: its log entry is gone.
            self.message_user(
                request,
                f"“{refused.category}” was not deleted. {refused.reason}",
                messages.ERROR,
            )
            change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(refused.category.pk,),
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(change_url)

    def delete_model(self, request, obj):
        _delete_category(obj)

    def delete_queryset(self, request, queryset):
        # Deepest first: a selected parent is empty once its selected
        # children are gone. One transaction, so a refusal deletes nothing.
        with transaction.atomic():
            for category in queryset.order_by("-depth", "path"):
                _delete_category(category)

    @admin.action(
        permissions=["delete"], description="Delete selected %(verbose_name_plural)s"
    )
    def delete_selected(self, request, queryset):
        """
        Django's delete action, as one transaction: when one of the selected
        categories is not empty, nothing is deleted and nothing is logged.
        """
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except CategoryNotEmpty as refused:
            self.message_user(
                request,
                f"No category was deleted, because of “{refused.category}”. "
                f"{refused.reason}",
                messages.ERROR,
            )
            return None


class StockLevelFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock_level"

    def lookups(self, request, model_admin):
        threshold = settings.LOW_STOCK_THRESHOLD
        return (
            ("low", f"Low (at most {threshold})"),
            ("out", "Sold out"),
        )

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(stock__lte=settings.LOW_STOCK_THRESHOLD)
        if self.value() == "out":
            return queryset.filter(stock=0)
        return queryset


class ProductAdminForm(forms.ModelForm):
    """
    A product as staff edit it in the admin, on its page or in the list.

    Checkout moves stock while a page is open, so the form sends back the
    stock the page showed (a hidden initial value): an untouched stock
    field is then left out of the save, and a stock edited on a page that
    shows an old figure is refused rather than undoing orders.

    The category is read under a row lock, which the admin's transaction
    holds until the product is saved, as the staff API does: a category
    deleted meanwhile is a form error, not a foreign key failing at commit.
    """

    class Meta:
        model = Product
        fields = (
            "name",
            "slug",
            "category",
            "description",
            "price",
            "stock",
            "is_active",
            "image",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "stock" in self.fields:
            self.fields["stock"].show_hidden_initial = True

    def clean_category(self):
        category = self.cleaned_data["category"]
        if category is None:
            return category
        locked = services.lock_category(category.pk)
        if locked is None:
            raise forms.ValidationError(services.CATEGORY_GONE, code="does_not_exist")
        return locked

    def clean_stock(self):
        stock = self.cleaned_data["stock"]
        if self.instance.pk is None or "stock" not in self.changed_data:
            return stock
        shown = self._stock_shown()
        if shown != self.instance.stock:
            raise forms.ValidationError(
                "The stock moved from %(shown)s to %(current)s since this page "
                "was loaded; check the new figure and save again.",
                code="stale_stock",
                params={"shown": shown, "current": self.instance.stock},
            )
        return stock

    def _stock_shown(self):
        field = self.fields["stock"]
        raw = field.hidden_widget().value_from_datadict(
            self.data, self.files, self.add_initial_prefix("stock")
        )
        try:
            return field.to_python(raw)
        except forms.ValidationError:
            return None


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "name",
        "category",
        "price",
        "stock",
        "is_active",
        "created_at",
    )
    list_display_links = ("thumbnail", "name")
    list_editable = ("price", "stock")
    list_filter = ("is_active", StockLevelFilter, "category")
    list_select_related = ("category",)
    list_per_page = 50
    search_fields = ("name", "slug", "description")
    # A count over a large catalog on every page is not worth its cost.
    show_full_result_count = False
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("category",)
    readonly_fields = ("preview", "created_at", "updated_at")
    fields = (*ProductAdminForm.Meta.fields, *readonly_fields)
    date_hierarchy = "created_at"
    actions = (activate, deactivate)
    form = ProductAdminForm

    def get_changelist_form(self, request, **kwargs):
        # The list's price and stock columns get the same stock check.
        return super().get_changelist_form(request, form=ProductAdminForm, **kwargs)

    def delete_model(self, request, obj):
        # The service removes the image file too, once the delete commits.
        services.delete_product(product=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for product in queryset:
                services.delete_product(product=product)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Only what the form changed is written, under the row lock, as the
        # staff API does: stock a checkout took meanwhile stays taken.
        changes = {field: getattr(obj, field) for field in form.changed_data}
        if changes:
            services.update_product(product=obj, **changes)

    @admin.display(description="image")
    def thumbnail(self, product):
        return self._image_tag(product, size=48)

    @admin.display(description="preview")
    def preview(self, product):
        return self._image_tag(product, size=240) or "No image"

    @staticmethod
    def _image_tag(product, *, size):
        if not product.image:
            return ""
        return format_html(
            '<img src="{}" alt="" style="max-width:{}px;max-height:{}px">',
            product.image.url,
            size,
            size,
        )
