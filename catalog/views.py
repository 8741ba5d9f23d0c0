from django.http import HttpResponseNotModified
from django.utils.cache import set_response_etag
from django.utils.http import parse_etags
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from drf_standardized_errors.openapi_validation_errors import (
    extend_validation_errors,
)
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ravoos_pansy.cached_responses import CachedResponseMixin, cached_get
from ravoos_pansy.permissions import IsStaff

from . import caching, selectors, services
from .filters import ProductFilter, StaffProductFilter
from .models import Category
from .pagination import ProductPagination
from .serializers import (
    CategoryConflictSerializer,
    CategoryDetailSerializer,
    CategoryTreeSerializer,
    CategoryWriteSerializer,
    ProductSerializer,
    ProductWriteSerializer,
    StaffCategorySerializer,
    StaffProductSerializer,
)

NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the `If-None-Match` header named the current "
    "ETag. Empty body."
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="An ETag from an earlier answer; a 304 comes back while it "
    "is still current.",
)
ETAG = OpenApiParameter(
    "ETag",
    location=OpenApiParameter.HEADER,
    response=[200],
    description="A hash of the body; send it back in `If-None-Match`.",
)

# Error codes that serializer methods, validators and services raise, which
# the schema cannot read from the fields themselves.
IMAGE_CODES = ["image_too_large", "invalid_image", "unsupported_image_format"]
MOVE_CODES = ["invalid_move", "too_deep"]
NUL_IN_CATEGORY = extend_validation_errors(
    ["null_characters_not_allowed"], field_name="category", methods=["get"]
)


def _etag_matches(header, etag):
    """Weak comparison, as RFC 9110 asks of `If-None-Match`."""
    if header.strip() == "*":
        return True
    return any(
        candidate.removeprefix("W/") == etag for candidate in parse_etags(header)
    )


class PublicCatalogMixin(CachedResponseMixin):
    """
    A public catalog read. The answer is the same for everyone, so the
    Authorization header is not looked at: a stale token never blocks
    browsing, and no query is spent on it. Throttled as anonymous.

    Every successful GET carries an ETag, and an `If-None-Match` that names
    it gets 304 Not Modified. The ETag is a hash of the rendered body, so
    it changes exactly when the body does, however the data changed.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != status.HTTP_200_OK
        ):
            return response

        if isinstance(response, Response):
            response.render()
        set_response_etag(response)
        if _etag_matches(request.headers.get("If-None-Match", ""), response["ETag"]):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Vary", "Cache-Control"):
                if header in response.headers:
                    not_modified.headers[header] = response.headers[header]
            return not_modified
        return response


# --- Public -----------------------------------------------------------------


class CategoryTreeView(PublicCatalogMixin, APIView):
    """The visible category tree; an inactive category hides its subtree."""

    @extend_schema(
        parameters=[IF_NONE_MATCH, ETAG],
        auth=[],
        responses={200: CategoryTreeSerializer(many=True), 304: NOT_MODIFIED},
    )
    @cached_get(generation_keys=caching.CATALOG_ONLY)
    def get(self, request):
        tree = CategoryTreeSerializer(selectors.category_tree(), many=True)
        return Response(tree.data)


class CategoryDetailView(PublicCatalogMixin, APIView):
    """One visible category with its breadcrumb and visible children."""

    @extend_schema(
        parameters=[IF_NONE_MATCH, ETAG],
        auth=[],
        responses={200: CategoryDetailSerializer, 304: NOT_MODIFIED},
    )
    @cached_get(generation_keys=caching.CATALOG_ONLY)
    def get(self, request, slug):
        try:
            category = selectors.visible_category(slug=slug)
        except Category.DoesNotExist:
            raise NotFound("No category has this slug.") from None
        return Response(CategoryDetailSerializer(category).data)


@NUL_IN_CATEGORY
@extend_schema_view(
    get=extend_schema(
        parameters=[IF_NONE_MATCH, ETAG],
        auth=[],
        responses={200: ProductSerializer(many=True), 304: NOT_MODIFIED},
    )
)
class ProductListView(PublicCatalogMixin, generics.ListAPIView):
    """Active products in visible categories, filtered, sorted and paged."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    pagination_class = ProductPagination

    def get_queryset(self):
        return selectors.public_products()

    @cached_get(
        generation_keys=caching.CATALOG_AND_STOCK,
        query_params=(*ProductFilter.base_filters, "page", "page_size"),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema_view(
    get=extend_schema(
        parameters=[IF_NONE_MATCH, ETAG],
        auth=[],
        responses={200: ProductSerializer, 304: NOT_MODIFIED},
    )
)
class ProductDetailView(PublicCatalogMixin, generics.RetrieveAPIView):
    """One active product in a visible category."""

    serializer_class = ProductSerializer

    def get_queryset(self):
        return selectors.public_products()

    @cached_get(generation_keys=caching.CATALOG_AND_STOCK)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Staff: products --------------------------------------------------------


@NUL_IN_CATEGORY
@extend_validation_errors(["unique"], field_name="slug", methods=["post"])
@extend_validation_errors(IMAGE_CODES, field_name="image", methods=["post"])
class StaffProductListView(generics.GenericAPIView):
    """Every product, active or not; staff create products here."""

    permission_classes = [IsStaff]
    serializer_class = StaffProductSerializer
    filterset_class = StaffProductFilter

    def get_queryset(self):
        return selectors.staff_products()

    @extend_schema(responses=StaffProductSerializer(many=True))
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request=ProductWriteSerializer,
        responses={201: StaffProductSerializer},
    )
    def post(self, request):
        data = ProductWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.create_product(**data.validated_data)
        return Response(
            self.get_serializer(product).data, status=status.HTTP_201_CREATED
        )


@extend_validation_errors(["unique"], field_name="slug", methods=["put", "patch"])
@extend_validation_errors(IMAGE_CODES, field_name="image", methods=["put", "patch"])
class StaffProductDetailView(generics.GenericAPIView):
    """One product, active or not."""

    permission_classes = [IsStaff]
    serializer_class = StaffProductSerializer

    def get_queryset(self):
        return selectors.staff_products()

    @extend_schema(responses=StaffProductSerializer)
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=ProductWriteSerializer, responses=StaffProductSerializer)
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(request=ProductWriteSerializer, responses=StaffProductSerializer)
    def patch(self, request, pk):
        return self._update(request, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.delete_product(product=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, *, partial):
        product = self.get_object()
        data = ProductWriteSerializer(product, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        product = services.update_product(product=product, **data.validated_data)
        return Response(self.get_serializer(product).data)


class StaffProductDeleteView(generics.GenericAPIView):
    """The older delete route, kept for the existing frontend."""

    permission_classes = [IsStaff]
    serializer_class = StaffProductSerializer

    def get_queryset(self):
        return selectors.staff_products()

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.delete_product(product=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Staff: categories ------------------------------------------------------


@extend_validation_errors(["unique"], field_name="slug", methods=["post"])
@extend_validation_errors(MOVE_CODES, field_name="parent", methods=["post"])
class StaffCategoryListView(generics.GenericAPIView):
    """Every category, active or not, in tree order; staff add them here."""

    permission_classes = [IsStaff]
    serializer_class = StaffCategorySerializer

    def get_queryset(self):
        return selectors.staff_categories()

    @extend_schema(responses=StaffCategorySerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request=CategoryWriteSerializer,
        responses={201: StaffCategorySerializer},
    )
    def post(self, request):
        data = CategoryWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.create_category(**data.validated_data)
        category = self.get_queryset().get(pk=category.pk)
        return Response(
            self.get_serializer(category).data, status=status.HTTP_201_CREATED
        )


@extend_validation_errors(["unique"], field_name="slug", methods=["put", "patch"])
@extend_validation_errors(MOVE_CODES, field_name="parent", methods=["put", "patch"])
class StaffCategoryDetailView(generics.GenericAPIView):
    """One category. Moving it takes its subtree along."""

    permission_classes = [IsStaff]
    serializer_class = StaffCategorySerializer

    def get_queryset(self):
        return selectors.staff_categories()

    @extend_schema(responses=StaffCategorySerializer)
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=CategoryWriteSerializer, responses=StaffCategorySerializer)
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(request=CategoryWriteSerializer, responses=StaffCategorySerializer)
    def patch(self, request, pk):
        return self._update(request, partial=True)

    @extend_schema(responses={204: None, 409: CategoryConflictSerializer})
    def delete(self, request, pk):
        services.delete_category(category=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, *, partial):
        category = self.get_object()
        data = CategoryWriteSerializer(category, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.update_category(category=category, **data.validated_data)
        category = self.get_queryset().get(pk=category.pk)
        return Response(self.get_serializer(category).data)
