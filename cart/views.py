from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse404Serializer
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ravoos_pansy.cached_responses import CachedResponseMixin, cached_get
from ravoos_pansy.permissions import IsCustomer

from . import services
from .caching import cart_read_generations
from .selectors import get_cart
from .serializers import (
    AddToCartSerializer,
    CartConflictResponseSerializer,
    CartSerializer,
    UpdateCartItemSerializer,
)

NOT_FOUND = OpenApiResponse(ErrorResponse404Serializer, "Unknown product or line.")
CONFLICT = OpenApiResponse(
    CartConflictResponseSerializer,
    "More than is in stock (`insufficient_stock`), or the line's product is no "
    "longer sold (`product_inactive`).",
)


class CartAPIView(APIView):
    """A customer's own cart; every route answers with the whole cart."""

    permission_classes = [IsCustomer]
    # Ids must be JSON integers, which a form body cannot carry: a form or
    # multipart body is a 415 rather than a 400 on every id it sends.
    parser_classes = [JSONParser]

    def cart_response(self, request):
        cart = get_cart(user=request.user)
        return Response(CartSerializer(cart, context={"request": request}).data)


class CartView(CachedResponseMixin, CartAPIView):
    @extend_schema(operation_id="cart_read", responses={200: CartSerializer})
    @cached_get(generation_keys=cart_read_generations)
    def get(self, request):
        return self.cart_response(request)


class CartAddView(CartAPIView):
    @extend_schema(
        operation_id="cart_add",
        request=AddToCartSerializer,
        responses={200: CartSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request):
        serializer = AddToCartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.add_to_cart(user=request.user, **serializer.validated_data)
        return self.cart_response(request)


class CartUpdateView(CartAPIView):
    @extend_schema(
        operation_id="cart_update",
        request=UpdateCartItemSerializer,
        responses={200: CartSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    def put(self, request):
        serializer = UpdateCartItemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_cart_item(user=request.user, **serializer.validated_data)
        return self.cart_response(request)


class CartRemoveView(CartAPIView):
    @extend_schema(
        operation_id="cart_remove", responses={200: CartSerializer, 404: NOT_FOUND}
    )
    def delete(self, request, item_id):
        services.remove_from_cart(user=request.user, item_id=item_id)
        return self.cart_response(request)


class CartClearView(CartAPIView):
    @extend_schema(operation_id="cart_clear", responses={200: CartSerializer})
    def delete(self, request):
        services.clear_cart(user=request.user)
        return self.cart_response(request)
