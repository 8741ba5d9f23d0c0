import pytest

from catalog.models import Category

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def errors(response):
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def tree_snapshot():
    return list(Category.objects.values_list("slug", "path", "depth", "numchild"))


@pytest.fixture
def tree(db):
    """Clothing > Shirts > Formal; Books."""
    clothing = CategoryFactory(name="Clothing", slug="clothing")
    shirts = CategoryFactory(parent=clothing, name="Shirts", slug="shirts")
    formal = CategoryFactory(parent=shirts, name="Formal", slug="formal")
    books = CategoryFactory(name="Books", slug="books")
    return {"clothing": clothing, "shirts": shirts, "formal": formal, "books": books}


def slugs_in_tree_order():
    return list(Category.objects.values_list("slug", flat=True))


def test_staff_list_shows_every_category_in_tree_order_with_parents(staff_client, tree):
    Category.objects.filter(pk=tree["books"].pk).update(is_active=False)

    response = staff_client.get("/api/admin/categories/")

    assert response.status_code == 200
    rows = [
        (row["slug"], row["parent"], row["depth"], row["children_count"])
        for row in response.json()["results"]
    ]
    assert rows == [
        ("books", None, 1, 0),
        ("clothing", None, 1, 1),
        ("shirts", tree["clothing"].pk, 2, 1),
        ("formal", tree["shirts"].pk, 3, 0),
    ]
    assert response.json()["results"][0]["is_active"] is False


def test_staff_category_list_is_one_query_per_page(
    staff_client, tree, django_assert_max_num_queries
):
    for number in range(30):
        CategoryFactory(parent=tree["formal"], name=f"Cut {number:02d}")

    # Two for the token and its user, one count, one page.
    with django_assert_max_num_queries(4):
        response = staff_client.get("/api/admin/categories/?page_size=100")

    assert response.json()["count"] == 34


def test_staff_create_a_top_level_category(staff_client, tree):
    response = staff_client.post(
        "/api/admin/categories/", {"name": "Garden", "theme": "forest"}, format="json"
    )

    assert response.status_code == 201
    garden = Category.objects.get(slug="garden")
    assert response.json() == {
        "id": garden.pk,
        "name": "Garden",
        "slug": "garden",
        "theme": "forest",
        "is_active": True,
        "parent": None,
        "depth": 1,
        "children_count": 0,
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }
    assert slugs_in_tree_order() == ["books", "clothing", "shirts", "formal", "garden"]


def test_staff_create_a_child_in_name_order(staff_client, tree):
    response = staff_client.post(
        "/api/admin/categories/",
        {"name": "Casual", "parent": tree["shirts"].pk},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["parent"], response.json()["depth"]) == (
        tree["shirts"].pk,
        3,
    )
    assert slugs_in_tree_order() == ["books", "clothing", "shirts", "casual", "formal"]


def test_a_form_create_without_is_active_makes_an_active_category(staff_client, tree):
    response = staff_client.post(
        "/api/admin/categories/", {"name": "Garden"}, format="multipart"
    )

    assert response.status_code == 201
    assert Category.objects.get(slug="garden").is_active is True


def test_a_generated_category_slug_gets_a_number_when_taken(staff_client, tree):
    response = staff_client.post(
        "/api/admin/categories/",
        {"name": "Shirts", "parent": tree["books"].pk},
        format="json",
    )

    assert response.json()["slug"] == "shirts-2"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "X", "parent": 987654}, [("parent", "does_not_exist")]),
        ({"name": "X", "parent": 1.5}, [("parent", "incorrect_type")]),
        ({"name": "X", "parent": True}, [("parent", "incorrect_type")]),
        ({"name": ""}, [("name", "blank")]),
        ({"name": "X" * 101}, [("name", "max_length")]),
        ({"name": "X", "slug": "books"}, [("slug", "unique")]),
        ({"name": "X", "theme": "t" * 51}, [("theme", "max_length")]),
        ({"theme": "teal"}, [("name", "required")]),
    ],
)
def test_bad_category_fields_are_a_400_and_nothing_is_created(
    staff_client, tree, body, expected
):
    before = tree_snapshot()

    response = staff_client.post("/api/admin/categories/", body, format="json")

    assert response.status_code == 400
    assert errors(response) == expected
    assert tree_snapshot() == before


def test_moving_a_category_takes_its_subtree_and_products_along(
    staff_client, api_client, tree
):
    ProductFactory(category=tree["formal"], slug="oxford")

    response = staff_client.patch(
        f"/api/admin/categories/{tree['shirts'].pk}/",
        {"parent": tree["books"].pk},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["parent"] == tree["books"].pk
    assert slugs_in_tree_order() == ["books", "shirts", "formal", "clothing"]
    under_books = api_client.get("/api/products/?category=books")
    assert [p["slug"] for p in under_books.json()["results"]] == ["oxford"]
    breadcrumb = api_client.get("/api/categories/formal/").json()["ancestors"]
    assert [a["slug"] for a in breadcrumb] == ["books", "shirts"]


def test_moving_a_category_to_the_top_level(staff_client, tree):
    response = staff_client.patch(
        f"/api/admin/categories/{tree['formal'].pk}/", {"parent": None}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["parent"], response.json()["depth"]) == (None, 1)
    assert slugs_in_tree_order() == ["books", "clothing", "shirts", "formal"]
    assert Category.objects.get(slug="shirts").numchild == 0


@pytest.mark.parametrize("target", ["shirts", "formal"])
def test_moving_a_category_under_itself_or_a_descendant_is_refused(
    staff_client, tree, target
):
    before = tree_snapshot()

    response = staff_client.patch(
        f"/api/admin/categories/{tree['shirts'].pk}/",
        {"parent": tree[target].pk, "name": "Tops"},
        format="json",
    )

    assert response.status_code == 400
    assert errors(response) == [("parent", "invalid_move")]
    assert tree_snapshot() == before
    assert Category.objects.get(pk=tree["shirts"].pk).name == "Shirts"


def test_renaming_a_category_sorts_it_among_its_siblings(staff_client, tree):
    response = staff_client.patch(
        f"/api/admin/categories/{tree['books'].pk}/",
        {"name": "Stationery"},
        format="json",
    )

    assert response.status_code == 200
    # The slug stays, so storefront links keep working.
    assert response.json()["slug"] == "books"
    assert slugs_in_tree_order() == ["clothing", "shirts", "formal", "books"]


def test_put_changes_the_fields_and_keeps_the_place_when_parent_is_left_out(
    staff_client, tree
):
    path = Category.objects.get(pk=tree["formal"].pk).path

    response = staff_client.put(
        f"/api/admin/categories/{tree['formal'].pk}/",
        {"name": "Formal Wear", "theme": "plum", "is_active": False},
        format="json",
    )

    assert response.status_code == 200
    formal = Category.objects.get(pk=tree["formal"].pk)
    assert (formal.name, formal.theme, formal.is_active, formal.path) == (
        "Formal Wear",
        "plum",
        False,
        path,
    )


def test_deleting_a_category_with_children_is_a_409(staff_client, tree):
    before = tree_snapshot()

    response = staff_client.delete(f"/api/admin/categories/{tree['shirts'].pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "category_has_children",
                "detail": "This category has subcategories; move or delete them first.",
                "attr": None,
            }
        ],
        "child_count": 1,
    }
    assert tree_snapshot() == before


def test_deleting_a_category_with_products_is_a_409(staff_client, tree):
    ProductFactory(category=tree["books"])
    ProductFactory(category=tree["books"], is_active=False)
    before = tree_snapshot()

    response = staff_client.delete(f"/api/admin/categories/{tree['books'].pk}/")

    assert response.status_code == 409
    assert errors(response) == [(None, "category_has_products")]
    assert response.json()["product_count"] == 2
    assert tree_snapshot() == before


def test_deleting_an_empty_leaf_category(staff_client, tree):
    response = staff_client.delete(f"/api/admin/categories/{tree['formal'].pk}/")

    assert response.status_code == 204
    assert slugs_in_tree_order() == ["books", "clothing", "shirts"]
    assert Category.objects.get(slug="shirts").numchild == 0


def test_unknown_category_is_a_404_for_staff(staff_client, db):
    response = staff_client.delete("/api/admin/categories/987654/")

    assert response.status_code == 404
