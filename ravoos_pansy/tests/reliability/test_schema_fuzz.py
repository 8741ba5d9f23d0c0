"""
Schemathesis against the project's own OpenAPI document (/api/schema/):
every operation, as a customer and as staff, with a bounded number of
generated requests each (valid ones and deliberately invalid ones). No
answer may be a 5xx, and every answer must match the schema: a status it
lists, its content type, headers and body.

Requests go through Django's whole request handler, middleware included,
as a WSGI application, but inside each test's transaction (the way
Django's test client runs them), so every operation starts from the same
shop. Ids in paths and bodies are swapped, half the time, for ids of real
objects of the shop, so that the routes are reached past their 404s.
"""

from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import client_for

from .openapi import load_schema

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    # A route that declares a token must refuse a request without one.
    ignored_auth,
]
# Not `negative_data_rejection`: DRF reads form bodies leniently (an
# is_default of "0" is false, a blank field in a partial form update is
# left alone) and falls back to the default page size for a page_size it
# cannot read, all of which that check counts as accepting invalid data.
# The refusals themselves are tested with exact answers in test_bad_input.

schema = load_schema()
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# The object of the shop an id names, by path and by body field.
PATH_IDS = {
    "/api/auth/addresses/": "address",
    "/api/admin/products/": "product",
    "/api/admin/categories/": "spare_category",
    "/api/admin/coupons/": "coupon",
    "/api/products/": "product",
    "/api/orders/": "order",
    "/api/cart/remove/": "cart_item",
}
BODY_IDS = {
    "product_id": "spare_product",
    "item_id": "cart_item",
    "address_id": "address",
    "category": "category",
    "parent": "category",
}


def _real_id(shop, attribute, generated):
    # Half the generated ids (the even ones) become a real object's.
    is_id = isinstance(generated, int) and not isinstance(generated, bool)
    if is_id and generated % 2 == 0:
        return getattr(shop, attribute).pk
    return generated


def _is_negative(case, location):
    return case.meta is not None and case.meta.is_negative_at(location)


def aim_at_the_shop(case, shop):
    """Points valid requests at real objects; invalid ones stay invalid."""
    if not _is_negative(case, ParameterLocation.PATH):
        for name, value in (case.path_parameters or {}).items():
            prefix = next(
                (p for p in PATH_IDS if case.operation.path.startswith(p)), None
            )
            if prefix is not None and name != "slug":
                case.path_parameters[name] = _real_id(shop, PATH_IDS[prefix], value)
    if isinstance(case.body, dict) and not _is_negative(case, ParameterLocation.BODY):
        for name, attribute in BODY_IDS.items():
            if name in case.body:
                case.body[name] = _real_id(shop, attribute, case.body[name])


def fuzz(case, shop, role):
    aim_at_the_shop(case, shop)
    account = {"user": shop.user, "staff": shop.staff}[role]
    key = client_for(account)._credentials["HTTP_AUTHORIZATION"]
    case.call_and_validate(headers={"Authorization": key}, checks=CHECKS)


# Each role fuzzes the routes it may use (and the public ones); the other
# role's routes would only answer 403, which the permission matrix checks.
customer_schema = schema.exclude(path_regex=r"^/api/admin/").exclude(
    path_regex=r"^/api/orders/\{id\}/status/$"
)
staff_schema = schema.exclude(
    path_regex=r"^/api/(cart/|coupons/validate/|orders/(?!\{id\}/status/$))"
)


@customer_schema.parametrize()
@FUZZ_SETTINGS
def test_the_api_keeps_to_its_schema_for_a_customer(case, shop):
    fuzz(case, shop, "user")


@staff_schema.parametrize()
@FUZZ_SETTINGS
def test_the_api_keeps_to_its_schema_for_staff(case, shop):
    fuzz(case, shop, "staff")


def labels(of_schema):
    return {result.ok().label for result in of_schema.get_all_operations()}


def test_every_operation_of_the_schema_is_fuzzed_by_a_role():
    every = labels(schema)

    assert labels(customer_schema) | labels(staff_schema) == every
    assert "POST /api/orders/checkout/" in labels(customer_schema)
    assert "PATCH /api/orders/{id}/status/" in labels(staff_schema)
    assert len(every) >= 50
