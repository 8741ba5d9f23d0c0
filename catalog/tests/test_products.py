from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from catalog import services
from catalog.models import Category, Product

from .conftest import image_bytes
from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def slugs(response):
    return [product["slug"] for product in response.json()["results"]]


def error(response):
    """The one error of a 4xx body, as (attr, code)."""
    (only,) = response.json()["errors"]
    return only["attr"], only["code"]


@pytest.fixture
def shelf(db):
    """
    Clothing > Shirts > Formal; Books. Five products of known prices,
    names, stock and creation order (oldest first).
    """
    clothing = CategoryFactory(name="Clothing", slug="clothing")
    shirts = CategoryFactory(parent=clothing, name="Shirts", slug="shirts")
    formal = CategoryFactory(parent=shirts, name="Formal", slug="formal")
    books = CategoryFactory(name="Books", slug="books")
    made = {}
    for slug, name, price, stock, category in [
        ("jacket", "Wool Jacket", "2499.00", 3, clothing),
        ("polo", "Cotton Polo", "499.00", 0, shirts),
        ("oxford", "Oxford Shirt", "1299.50", 12, formal),
        ("atlas", "World Atlas", "799.00", 5, books),
        ("novel", "A Cotton Novel", "299.00", 40, books),
    ]:
        made[slug] = ProductFactory(
            slug=slug,
            name=name,
            price=Decimal(price),
            stock=stock,
            category=category,
            description=f"All about {name}.",
        )
    return made


def test_product_body_has_the_contract_shape(api_client, shelf):
    oxford = shelf["oxford"]

    response = api_client.get(f"/api/products/{oxford.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": oxford.pk,
        "name": "Oxford Shirt",
        "slug": "oxford",
        "description": "All about Oxford Shirt.",
        "price": "1299.50",
        "stock": 12,
        "in_stock": True,
        "image": None,
        "category": {"id": oxford.category_id, "name": "Formal", "slug": "formal"},
        "is_active": True,
        "created_at": response.json()["created_at"],
    }


def test_image_is_an_absolute_url(api_client, shelf, media_root):
    oxford = shelf["oxford"]
    oxford.image.save("oxford.png", ContentFile(image_bytes()), save=True)

    response = api_client.get(f"/api/products/{oxford.pk}/")

    assert response.json()["image"] == f"http://testserver/media/{oxford.image.name}"


def test_list_is_newest_first_by_default(api_client, shelf):
    response = api_client.get("/api/products/")

    assert response.status_code == 200
    assert response.json()["count"] == 5
    assert slugs(response) == ["novel", "atlas", "oxford", "polo", "jacket"]


def test_category_filter_includes_every_descendant(api_client, shelf):
    response = api_client.get("/api/products/?category=clothing")

    assert slugs(response) == ["oxford", "polo", "jacket"]


def test_category_filter_on_a_middle_category_leaves_out_its_parent(api_client, shelf):
    response = api_client.get("/api/products/?category=shirts")

    assert slugs(response) == ["oxford", "polo"]


def test_search_matches_name_or_description_in_any_case(api_client, shelf):
    response = api_client.get("/api/products/?search=COTTON")

    assert slugs(response) == ["novel", "polo"]


def test_search_matches_the_description(api_client, shelf):
    ProductFactory(slug="plain", name="Plain Tee", description="Soft merino blend.")

    response = api_client.get("/api/products/?search=merino")

    assert slugs(response) == ["plain"]


def test_category_and_search_combine(api_client, shelf):
    response = api_client.get("/api/products/?category=clothing&search=cotton")

    assert slugs(response) == ["polo"]


def test_price_range_is_inclusive(api_client, shelf):
    response = api_client.get("/api/products/?min_price=499&max_price=1299.50")

    assert slugs(response) == ["atlas", "oxford", "polo"]


def test_in_stock_true_leaves_out_sold_out_products(api_client, shelf):
    response = api_client.get("/api/products/?in_stock=true")

    assert "polo" not in slugs(response)
    assert len(slugs(response)) == 4


def test_in_stock_false_lists_only_sold_out_products(api_client, shelf):
    response = api_client.get("/api/products/?in_stock=false")

    assert slugs(response) == ["polo"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["novel", "polo", "atlas", "oxford", "jacket"]),
        ("-price", ["jacket", "oxford", "atlas", "polo", "novel"]),
        ("name", ["novel", "polo", "oxford", "jacket", "atlas"]),
        ("-name", ["atlas", "jacket", "oxford", "polo", "novel"]),
        ("created_at", ["jacket", "polo", "oxford", "atlas", "novel"]),
        ("-created_at", ["novel", "atlas", "oxford", "polo", "jacket"]),
        # An empty key left by a stray comma is ignored.
        ("-price,", ["jacket", "oxford", "atlas", "polo", "novel"]),
        (",name", ["novel", "polo", "oxford", "jacket", "atlas"]),
    ],
)
def test_each_ordering_sorts_the_list(api_client, shelf, ordering, expected):
    response = api_client.get(f"/api/products/?ordering={ordering}")

    assert response.status_code == 200
    assert slugs(response) == expected


def test_equal_prices_keep_a_stable_order_across_pages(api_client, category):
    made = [
        ProductFactory(category=category, price=Decimal("10.00")).pk for _ in range(5)
    ]

    first = api_client.get("/api/products/?ordering=price&page_size=3")
    second = api_client.get("/api/products/?ordering=price&page_size=3&page=2")

    ids = [p["id"] for p in first.json()["results"] + second.json()["results"]]
    assert ids == sorted(made)


@pytest.mark.parametrize(
    ("query", "attr", "code"),
    [
        ("min_price=abc", "min_price", "invalid"),
        ("max_price=123456789012345", "max_price", "max_digits"),
        ("max_price=1.005", "max_price", "max_decimal_places"),
        ("min_price=-1", "min_price", "min_value"),
        ("min_price=NaN", "min_price", "invalid"),
        ("ordering=password", "ordering", "invalid_choice"),
        ("ordering=price,stock", "ordering", "invalid_choice"),
        ("category=no-such-category", "category", "invalid_choice"),
        ("in_stock=maybe", "in_stock", "invalid_choice"),
        (f"search={'x' * 101}", "search", "max_length"),
        ("search=a%00b", "search", "null_characters_not_allowed"),
        ("category=%00", "category", "null_characters_not_allowed"),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(api_client, shelf, query, attr, code):
    response = api_client.get(f"/api/products/?{query}")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert error(response) == (attr, code)


def test_an_inactive_category_slug_is_unknown_to_the_public(api_client, shelf):
    CategoryFactory(name="Hidden", slug="hidden", is_active=False)

    response = api_client.get("/api/products/?category=hidden")

    assert response.status_code == 400
    assert error(response) == ("category", "invalid_choice")


def test_page_size_over_the_maximum_is_capped_at_100(api_client, category):
    Product.objects.bulk_create(
        Product(name=f"P{n}", slug=f"p-{n}", price=Decimal(1), category=category)
        for n in range(105)
    )

    response = api_client.get("/api/products/?page_size=100000")

    assert response.status_code == 200
    assert response.json()["count"] == 105
    assert len(response.json()["results"]) == 100


def test_page_size_is_honoured_below_the_maximum(api_client, shelf):
    response = api_client.get("/api/products/?page_size=2&page=2")

    assert slugs(response) == ["oxford", "polo"]
    assert response.json()["previous"] == "http://testserver/api/products/?page_size=2"
    assert response.json()["next"].endswith("page=3&page_size=2")


def test_a_page_past_the_end_is_a_404(api_client, shelf):
    response = api_client.get("/api/products/?page=999")

    assert response.status_code == 404
    assert error(response) == (None, "not_found")


def test_inactive_products_are_hidden_from_list_and_detail(api_client, shelf):
    Product.objects.filter(pk=shelf["atlas"].pk).update(is_active=False)

    listed = api_client.get("/api/products/")
    detail = api_client.get(f"/api/products/{shelf['atlas'].pk}/")

    assert "atlas" not in slugs(listed)
    assert detail.status_code == 404


def test_products_under_an_inactive_ancestor_are_hidden(api_client, shelf):
    Category.objects.filter(slug="shirts").update(is_active=False)

    listed = api_client.get("/api/products/")
    detail = api_client.get(f"/api/products/{shelf['oxford'].pk}/")

    assert slugs(listed) == ["novel", "atlas", "jacket"]
    assert detail.status_code == 404


def test_unknown_product_is_a_404(api_client, shelf):
    response = api_client.get("/api/products/987654/")

    assert response.status_code == 404
    assert error(response) == (None, "not_found")


@pytest.mark.parametrize("page_size", [5, 100])
def test_list_takes_at_most_four_queries_whatever_the_page_size(
    api_client, category, django_assert_max_num_queries, page_size
):
    child = CategoryFactory(parent=category)
    for number in range(60):
        ProductFactory(category=child if number % 2 else category)

    with django_assert_max_num_queries(4):
        response = api_client.get(
            f"/api/products/?page_size={page_size}&category={category.slug}"
            "&search=Product&ordering=-price&in_stock=true&min_price=1"
        )

    assert len(response.json()["results"]) == min(page_size, 60)


def test_detail_takes_at_most_two_queries(
    api_client, product, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        response = api_client.get(f"/api/products/{product.pk}/")

    assert response.status_code == 200


def test_list_answers_304_to_its_own_etag(api_client, shelf):
    first = api_client.get("/api/products/?category=clothing")

    second = api_client.get(
        "/api/products/?category=clothing", HTTP_IF_NONE_MATCH=first["ETag"]
    )

    assert second.status_code == 304
    assert second.content == b""


def test_list_etag_depends_on_the_query(api_client, shelf):
    clothing = api_client.get("/api/products/?category=clothing")

    books = api_client.get("/api/products/?category=books")

    assert clothing["ETag"] != books["ETag"]


def test_list_etag_changes_when_checkout_moves_stock(
    api_client, shelf, django_capture_on_commit_callbacks
):
    first = api_client.get("/api/products/")
    # The way checkout moves stock: a bulk UPDATE that sends no signal.
    with django_capture_on_commit_callbacks(execute=True):
        services.change_stock({shelf["novel"].pk: -1})

    second = api_client.get("/api/products/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


def test_detail_answers_304_then_200_after_a_change(api_client, product):
    first = api_client.get(f"/api/products/{product.pk}/")
    not_modified = api_client.get(
        f"/api/products/{product.pk}/", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    product.price = Decimal("150.00")
    product.save()

    changed = api_client.get(
        f"/api/products/{product.pk}/", HTTP_IF_NONE_MATCH=first["ETag"]
    )

    assert not_modified.status_code == 304
    assert changed.status_code == 200
    assert changed.json()["price"] == "150.00"


def test_an_error_carries_no_etag(api_client, shelf):
    response = api_client.get("/api/products/?min_price=abc")

    assert response.status_code == 400
    assert "ETag" not in response


@pytest.mark.parametrize(
    ("query", "status_code"),
    [
        ("max_price=1e999", 400),
        ("min_price=Infinity", 400),
        ("category=", 200),
        ("ordering=", 200),
        ("ordering=,", 200),
        ("ordering=,,,", 200),
        ("page=0", 404),
        ("page=abc", 404),
        ("page_size=abc", 200),
        ("page_size=-5", 200),
    ],
)
def test_odd_query_values_get_a_clear_answer_never_a_500(
    api_client, shelf, query, status_code
):
    response = api_client.get(f"/api/products/?{query}")

    assert response.status_code == status_code
    assert response["Content-Type"] == "application/json"


def test_a_meaningless_page_size_falls_back_to_the_default_of_20(api_client, category):
    Product.objects.bulk_create(
        Product(name=f"P{n}", slug=f"p-{n}", price=Decimal(1), category=category)
        for n in range(25)
    )

    response = api_client.get("/api/products/?page_size=abc")

    assert len(response.json()["results"]) == 20


def test_public_routes_ignore_a_stale_token(api_client, product):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    listed = api_client.get("/api/products/")
    detail = api_client.get(f"/api/products/{product.pk}/")
    tree = api_client.get("/api/categories/")

    assert (listed.status_code, detail.status_code, tree.status_code) == (200, 200, 200)


def test_a_signed_in_customer_gets_the_same_list_in_the_same_queries(
    api_client, user_client, shelf, settings, django_assert_max_num_queries
):
    # Every request reads the database: the token must cost no query.
    settings.READ_CACHE_SECONDS = 0
    as_guest = api_client.get("/api/products/?category=clothing")

    with django_assert_max_num_queries(4):
        as_customer = user_client.get("/api/products/?category=clothing")

    assert as_customer.json() == as_guest.json()
    assert as_customer["ETag"] == as_guest["ETag"]
