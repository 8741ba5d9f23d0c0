import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services
from catalog.admin import deactivate
from catalog.models import Category

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

TREE = reverse("category-tree")
PRODUCTS = reverse("product-list")


def tree_names(client):
    def names(nodes):
        return [(node["name"], names(node["children"])) for node in nodes]

    return names(client.get(TREE).json())


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).json()
    counts = [query for query in queries if "COUNT(" in query["sql"].upper()]
    return body["count"], len(counts)


class MessageSink:
    def message_user(self, request, message, level):
        self.message = message


def test_a_cached_tree_is_served_without_a_query(api_client, django_assert_num_queries):
    CategoryFactory(name="Books")
    api_client.get(TREE)

    with django_assert_num_queries(0):
        response = api_client.get(TREE)

    assert [node["name"] for node in response.json()] == ["Books"]


def test_the_tree_shows_a_category_renamed_after_it_was_cached(api_client):
    books = CategoryFactory(name="Books")
    assert tree_names(api_client) == [("Books", [])]

    services.update_category(category=books, name="Novels")

    assert tree_names(api_client) == [("Novels", [])]


def test_the_tree_shows_a_category_added_and_one_deleted_after_it_was_cached(
    api_client,
):
    books = CategoryFactory(name="Books")
    garden = CategoryFactory(name="Garden")
    assert tree_names(api_client) == [("Books", []), ("Garden", [])]

    CategoryFactory(parent=books, name="Fiction")
    services.delete_category(category=garden)

    assert tree_names(api_client) == [("Books", [("Fiction", [])])]


def test_the_tree_shows_a_subtree_moved_after_it_was_cached(api_client):
    books = CategoryFactory(name="Books")
    garden = CategoryFactory(name="Garden")
    fiction = CategoryFactory(parent=books, name="Fiction")
    CategoryFactory(parent=fiction, name="Crime")
    assert tree_names(api_client) == [
        ("Books", [("Fiction", [("Crime", [])])]),
        ("Garden", []),
    ]

    services.update_category(category=fiction, parent=garden)

    assert tree_names(api_client) == [
        ("Books", []),
        ("Garden", [("Fiction", [("Crime", [])])]),
    ]


def test_the_tree_hides_a_category_deactivated_by_the_admin_bulk_action(api_client, rf):
    CategoryFactory(name="Books")
    CategoryFactory(name="Garden")
    assert tree_names(api_client) == [("Books", []), ("Garden", [])]

    deactivate(MessageSink(), rf.post("/"), Category.objects.filter(name="Garden"))

    assert tree_names(api_client) == [("Books", [])]


def test_a_product_count_is_counted_once_then_cached(api_client):
    ProductFactory.create_batch(3)

    assert count_queries(api_client, PRODUCTS) == (3, 1)
    assert count_queries(api_client, PRODUCTS) == (3, 0)


def test_the_product_count_follows_products_added_changed_and_deleted(api_client):
    first, second = ProductFactory.create_batch(2)
    assert api_client.get(PRODUCTS).json()["count"] == 2

    ProductFactory()
    assert api_client.get(PRODUCTS).json()["count"] == 3

    services.update_product(product=first, is_active=False)
    assert api_client.get(PRODUCTS).json()["count"] == 2

    services.delete_product(product=second)
    assert api_client.get(PRODUCTS).json()["count"] == 1


def test_each_filter_has_a_count_of_its_own(api_client):
    ProductFactory(name="Blue Mug", price="50.00")
    ProductFactory(name="Blue Plate", price="150.00")
    ProductFactory(name="Red Mug", price="150.00")

    counts = [
        api_client.get(PRODUCTS, query).json()["count"]
        for query in (
            {},
            {"search": "blue"},
            {"search": "mug"},
            {"search": "mug", "min_price": "100"},
            {"search": "blue"},
        )
    ]

    assert counts == [3, 2, 2, 1, 2]


def test_the_count_by_category_follows_a_category_hidden_by_the_admin(api_client, rf):
    books = CategoryFactory(name="Books", slug="books")
    fiction = CategoryFactory(parent=books, name="Fiction", slug="fiction")
    ProductFactory(category=books)
    ProductFactory(category=fiction)
    assert api_client.get(PRODUCTS, {"category": "books"}).json()["count"] == 2

    deactivate(MessageSink(), rf.post("/"), Category.objects.filter(pk=fiction.pk))

    assert api_client.get(PRODUCTS, {"category": "books"}).json()["count"] == 1


def test_the_in_stock_count_follows_stock_taken_by_checkout(
    api_client, django_capture_on_commit_callbacks
):
    _kept, sold = ProductFactory.create_batch(2, stock=5)
    assert api_client.get(PRODUCTS, {"in_stock": "true"}).json()["count"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.change_stock({sold.pk: -5})

    assert count_queries(api_client, f"{PRODUCTS}?in_stock=true") == (1, 1)
    assert count_queries(api_client, f"{PRODUCTS}?in_stock=true") == (1, 0)


def test_the_count_follows_products_bulk_inserted_by_seed_demo(api_client, media_root):
    assert api_client.get(PRODUCTS).json()["count"] == 0

    call_command("seed_demo", products=3, force=True, stdout=None)

    assert api_client.get(PRODUCTS).json()["count"] == 3


def test_a_cached_product_page_and_detail_are_served_without_a_query(
    api_client, django_assert_num_queries
):
    product = ProductFactory()
    detail = reverse("product-detail", args=[product.pk])
    first_page, first_detail = api_client.get(PRODUCTS), api_client.get(detail)

    with django_assert_num_queries(0):
        page, body = api_client.get(PRODUCTS), api_client.get(detail)

    assert page.content == first_page.content
    assert page["ETag"] == first_page["ETag"]
    assert body.content == first_detail.content
    assert body["Content-Type"] == "application/json"


def test_a_cached_body_answers_304_to_its_etag(api_client):
    product = ProductFactory()
    detail = reverse("product-detail", args=[product.pk])
    etag = api_client.get(detail)["ETag"]

    cached = api_client.get(detail, HTTP_IF_NONE_MATCH=etag)

    assert cached.status_code == 304
    assert cached["ETag"] == etag


def test_product_bodies_show_stock_taken_by_checkout_once_it_commits(
    api_client, django_capture_on_commit_callbacks
):
    product = ProductFactory(stock=5)
    detail = reverse("product-detail", args=[product.pk])
    assert api_client.get(detail).json()["stock"] == 5

    with django_capture_on_commit_callbacks() as callbacks:
        services.change_stock({product.pk: -2})
    # Not committed yet: the cache still answers, as the database would.
    assert api_client.get(detail).json()["stock"] == 5
    for callback in callbacks:
        callback()

    assert api_client.get(detail).json()["stock"] == 3
    assert api_client.get(PRODUCTS).json()["results"][0]["stock"] == 3


def test_moving_stock_keeps_the_cached_tree(
    api_client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    product = ProductFactory(stock=5)
    api_client.get(TREE)

    with django_capture_on_commit_callbacks(execute=True):
        services.change_stock({product.pk: -1})

    with django_assert_num_queries(0):
        api_client.get(TREE)


def test_a_product_body_follows_a_price_change_by_staff(api_client):
    product = ProductFactory(price="100.00")
    detail = reverse("product-detail", args=[product.pk])
    assert api_client.get(detail).json()["price"] == "100.00"

    services.update_product(product=product, price="120.00")

    assert api_client.get(detail).json()["price"] == "120.00"
    assert api_client.get(PRODUCTS).json()["results"][0]["price"] == "120.00"


def test_each_host_gets_links_of_its_own(api_client):
    ProductFactory.create_batch(2)

    pages = [
        api_client.get(PRODUCTS, {"page_size": 1}, HTTP_HOST=host).json()["next"]
        for host in ("localhost", "127.0.0.1", "localhost")
    ]

    assert pages == [
        "http://localhost/api/products/?page=2&page_size=1",
        "http://127.0.0.1/api/products/?page=2&page_size=1",
        "http://localhost/api/products/?page=2&page_size=1",
    ]


def test_a_cache_time_of_zero_reads_the_database_every_time(
    api_client, settings, django_assert_num_queries
):
    settings.READ_CACHE_SECONDS = 0
    CategoryFactory(name="Books")
    api_client.get(TREE)

    with django_assert_num_queries(1):
        api_client.get(TREE)


@pytest.mark.parametrize(
    "query",
    ["?utm_source=mail", "?page=1&page=1", "?format=json", "?search=mug&x=1"],
)
def test_a_query_with_parameters_the_list_does_not_read_is_not_cached(
    api_client, query
):
    ProductFactory(name="Blue Mug")
    first = api_client.get(f"{PRODUCTS}{query}")

    with CaptureQueriesContext(connection) as queries:
        again = api_client.get(f"{PRODUCTS}{query}")

    assert again.json() == first.json()
    assert len(queries) >= 1


def test_a_query_of_the_parameters_the_list_reads_is_cached(
    api_client, django_assert_num_queries
):
    ProductFactory(name="Blue Mug", price="50.00")
    query = (
        "?category=&search=mug&min_price=1&max_price=100&in_stock=true"
        "&ordering=-price&page=1&page_size=5"
    )
    first = api_client.get(f"{PRODUCTS}{query}")

    with django_assert_num_queries(0):
        again = api_client.get(f"{PRODUCTS}{query}")

    assert again.json() == first.json()
    assert first.json()["count"] == 1


def test_a_new_release_reads_none_of_the_bodies_the_old_one_cached(
    api_client, settings, django_assert_num_queries
):
    CategoryFactory(name="Books")
    settings.READ_CACHE_RELEASE = "release-1"
    api_client.get(TREE)

    settings.READ_CACHE_RELEASE = "release-2"
    with django_assert_num_queries(1):
        api_client.get(TREE)
