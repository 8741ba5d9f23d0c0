import pytest

from catalog import services
from catalog.models import Category

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    """
    Clothing > Shirts, Trousers (Trousers > Chinos); Books > Fiction;
    Garden (inactive) > Plants.
    """
    clothing = CategoryFactory(name="Clothing", slug="clothing", theme="indigo")
    trousers = CategoryFactory(parent=clothing, name="Trousers", slug="trousers")
    shirts = CategoryFactory(parent=clothing, name="Shirts", slug="shirts")
    chinos = CategoryFactory(parent=trousers, name="Chinos", slug="chinos")
    books = CategoryFactory(name="Books", slug="books", theme="rose")
    fiction = CategoryFactory(parent=books, name="Fiction", slug="fiction")
    garden = CategoryFactory(name="Garden", slug="garden", is_active=False)
    plants = CategoryFactory(parent=garden, name="Plants", slug="plants")
    return {
        "clothing": clothing,
        "trousers": trousers,
        "shirts": shirts,
        "chinos": chinos,
        "books": books,
        "fiction": fiction,
        "garden": garden,
        "plants": plants,
    }


def node(category, children=()):
    category.refresh_from_db()
    return {
        "id": category.pk,
        "name": category.name,
        "slug": category.slug,
        "theme": category.theme,
        "children": list(children),
    }


def test_tree_nests_active_categories_in_name_order(api_client, tree):
    response = api_client.get("/api/categories/")

    assert response.status_code == 200
    assert response.json() == [
        node(tree["books"], [node(tree["fiction"])]),
        node(
            tree["clothing"],
            [node(tree["shirts"]), node(tree["trousers"], [node(tree["chinos"])])],
        ),
    ]


def test_an_inactive_category_hides_its_whole_subtree(api_client, tree):
    Category.objects.filter(pk=tree["trousers"].pk).update(is_active=False)

    response = api_client.get("/api/categories/")

    clothing = response.json()[1]
    assert [child["slug"] for child in clothing["children"]] == ["shirts"]
    assert "garden" not in str(response.json())
    assert "plants" not in str(response.json())


def test_tree_is_one_query_however_big(api_client, tree, django_assert_max_num_queries):
    for number in range(30):
        CategoryFactory(parent=tree["chinos"], name=f"Cut {number:02d}")

    with django_assert_max_num_queries(2):
        response = api_client.get("/api/categories/")

    assert len(response.json()[1]["children"][1]["children"][0]["children"]) == 30


def test_category_detail_has_breadcrumb_root_first_and_active_children(
    api_client, tree
):
    CategoryFactory(parent=tree["trousers"], name="Shorts", is_active=False)

    response = api_client.get("/api/categories/trousers/")

    assert response.status_code == 200
    assert response.json() == {
        "id": tree["trousers"].pk,
        "name": "Trousers",
        "slug": "trousers",
        "theme": "",
        "ancestors": [
            {"id": tree["clothing"].pk, "name": "Clothing", "slug": "clothing"}
        ],
        "children": [
            {"id": tree["chinos"].pk, "name": "Chinos", "slug": "chinos", "theme": ""}
        ],
    }


def test_category_detail_of_a_root_has_no_ancestors(api_client, tree):
    response = api_client.get("/api/categories/books/")

    assert response.json()["ancestors"] == []
    assert [child["slug"] for child in response.json()["children"]] == ["fiction"]


def test_category_detail_takes_two_queries(
    api_client, tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        response = api_client.get("/api/categories/chinos/")

    assert [a["slug"] for a in response.json()["ancestors"]] == ["clothing", "trousers"]


@pytest.mark.parametrize("slug", ["garden", "plants", "no-such-category"])
def test_category_detail_of_a_hidden_or_unknown_slug_is_404(api_client, tree, slug):
    response = api_client.get(f"/api/categories/{slug}/")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_tree_answers_304_to_its_own_etag(api_client, tree):
    first = api_client.get("/api/categories/")

    second = api_client.get("/api/categories/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 304
    assert second.content == b""
    assert second["ETag"] == first["ETag"]


def test_tree_etag_changes_when_a_category_is_renamed(api_client, tree):
    first = api_client.get("/api/categories/")
    services.update_category(category=tree["fiction"], name="Novels")

    second = api_client.get("/api/categories/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert second.json()[0]["children"][0]["name"] == "Novels"


def test_category_detail_answers_304_to_its_own_etag(api_client, tree):
    first = api_client.get("/api/categories/clothing/")

    second = api_client.get(
        "/api/categories/clothing/", HTTP_IF_NONE_MATCH=f"W/{first['ETag']}"
    )

    assert second.status_code == 304


def test_products_of_a_category_under_an_inactive_ancestor_are_hidden(api_client, tree):
    ProductFactory(category=tree["plants"], slug="fern")
    ProductFactory(category=tree["fiction"], slug="novel")

    response = api_client.get("/api/products/")

    assert [p["slug"] for p in response.json()["results"]] == ["novel"]
