import pytest
from playwright.sync_api import expect

from catalog.tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}

# Swagger UI's own markup: one section per tag, one block per operation,
# the block's id being "operations-<tag>-<operationId>".
READ_OPERATIONS_JS = """
() => Array.from(document.querySelectorAll(".opblock-tag-section")).flatMap(
  (section) => {
    const tag = section.querySelector(".opblock-tag").dataset.tag;
    return Array.from(section.querySelectorAll(".opblock")).map((block) => [
      tag,
      block.id.slice(`operations-${tag}-`.length),
      block.querySelector(".opblock-summary-method").textContent.toLowerCase(),
      block.querySelector(".opblock-summary-path").dataset.path,
    ]);
  },
)
"""


def schema_operations(schema):
    """Every (tag, operationId, method, path) the schema declares."""
    return {
        (tag, operation["operationId"], method, path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
        for tag in operation["tags"]
    }


def test_api_docs_page_lists_every_tag_and_operation_of_the_schema(
    page, live_server, client, save_screenshot
):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    expected = schema_operations(schema)

    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    shown = page.evaluate(READ_OPERATIONS_JS)

    shown_tags = page.locator(".opblock-tag").evaluate_all(
        "(tags) => tags.map((tag) => tag.dataset.tag)"
    )
    assert sorted(shown_tags) == sorted({tag for tag, *_ in expected})
    assert len(shown) == len(expected)
    assert {tuple(operation) for operation in shown} == expected
    assert page.locator(".info .title").inner_text().startswith(schema["info"]["title"])
    save_screenshot(page, "api-docs")


def test_try_it_out_on_the_product_list_shows_a_200_in_the_api_docs(page):
    ProductFactory(name="Teak Chair")

    page.goto("/api/docs/")
    operation = page.locator("#operations-products-products_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()

    status = operation.locator(".live-responses-table tbody .response-col_status")
    expect(status).to_have_text("200")
    expect(
        operation.locator(".live-responses-table tbody .response-col_description")
    ).to_contain_text('"name": "Teak Chair"')
