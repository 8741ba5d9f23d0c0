from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

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


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    """The category tree, drawn as a tree; drag or use the form to move."""

    form = movenodeform_factory(Category)
    list_display = ("name", "slug", "theme", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    actions = (activate, deactivate)


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
    fields = (
        "name",
        "slug",
        "category",
        "description",
        "price",
        "stock",
        "is_active",
        "image",
        "preview",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "created_at"
    actions = (activate, deactivate)
    form = ProductAdminForm

    def get_changelist_form(self, request, **kwargs):
        # The list's price and stock columns get the same stock check.
        return super().get_changelist_form(request, form=ProductAdminForm, **kwargs)

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
