"""Every error under /api/ comes in one JSON shape, whatever raised it."""

import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from rest_framework.test import APIClient

from coupons.models import Coupon
from ravoos_pansy.renderers import JSONRenderer

pytestmark = [pytest.mark.urls("ravoos_pansy.tests.urls"), pytest.mark.django_db]

SIGN_IN = "/api/test/sign-in/"


def error_body(code, detail, *, error_type="client_error", attr=None):
    return {
        "type": error_type,
        "errors": [{"code": code, "detail": detail, "attr": attr}],
    }


@pytest.fixture
def quiet_client():
    """A client that gets the 500 response instead of the exception."""
    return APIClient(raise_request_exception=False)


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("path", ["/api/no-such-thing/", "/api/orders/x/y/", "/api"])
def test_unknown_api_route_answers_json_404(api_client, settings, debug, path):
    settings.DEBUG = debug

    response = api_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == error_body("not_found", "Not found.")


def test_unknown_path_outside_the_api_answers_json_404(api_client):
    response = api_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response.json() == error_body("not_found", "Not found.")


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_post_without_trailing_slash_is_a_404_naming_the_right_path(
    api_client, settings, debug
):
    # Django's slash redirect would drop the body, and in DEBUG it raises.
    settings.DEBUG = debug

    response = api_client.post(
        "/api/test/sign-in", {"email": "a@ravoos.example"}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == error_body(
        "not_found", "Not found. API paths end with a slash: /api/test/sign-in/"
    )


def test_get_without_trailing_slash_is_a_404_not_a_redirect(api_client):
    response = api_client.get("/api/health")

    assert response.status_code == 404
    assert response.json() == error_body(
        "not_found", "Not found. API paths end with a slash: /api/health/"
    )


def test_wrong_method_answers_405_with_the_allowed_ones(api_client):
    response = api_client.delete("/api/health/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json() == error_body(
        "method_not_allowed", 'Method "DELETE" not allowed.'
    )


def test_broken_json_answers_400_parse_error(api_client):
    response = api_client.post(
        SIGN_IN, '{"email": "a@ravoos.example",', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == error_body(
        "parse_error",
        "JSON parse error - Expecting property name enclosed in double quotes: "
        "line 1 column 30 (char 29)",
    )


def test_wrong_content_type_answers_415(api_client):
    response = api_client.post(SIGN_IN, "email=a", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == error_body(
        "unsupported_media_type", 'Unsupported media type "text/plain" in request.'
    )


def test_json_list_instead_of_object_answers_400(api_client):
    response = api_client.post(SIGN_IN, [{"email": "a@ravoos.example"}], format="json")

    assert response.status_code == 400
    assert response.json() == error_body(
        "invalid",
        "Invalid data. Expected a dictionary, but got list.",
        error_type="validation_error",
        attr="non_field_errors",
    )


def test_missing_field_is_named_in_the_error(api_client):
    response = api_client.post(SIGN_IN, {"email": "a@ravoos.example"}, format="json")

    assert response.status_code == 400
    assert response.json() == error_body(
        "required",
        "This field is required.",
        error_type="validation_error",
        attr="password",
    )


def test_json_body_over_the_size_limit_answers_413_before_it_is_read(
    api_client, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"email": "a@ravoos.example", "password": "' + "x" * 1000 + '"}'

    response = api_client.post(SIGN_IN, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == error_body(
        "payload_too_large", "The request body is larger than the 1000 bytes allowed."
    )


def test_multipart_body_may_carry_an_image_beyond_the_plain_limit(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.MAX_IMAGE_UPLOAD_BYTES = 5000
    image = SimpleUploadedFile("shirt.png", b"x" * 3000, content_type="image/png")
    body = encode_multipart(
        "BoUnDaRy",
        {"email": "a@ravoos.example", "password": "secret-words", "image": image},
    )

    response = api_client.generic(
        "POST", SIGN_IN, body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )

    assert len(body) > 3000
    assert response.status_code == 200
    assert response.json() == {"email": "a@ravoos.example"}


def test_multipart_text_field_over_the_limit_answers_413(api_client, settings):
    # Django itself refuses a form field this long while parsing the body.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = encode_multipart(
        "BoUnDaRy", {"email": "a@ravoos.example", "password": "x" * 1500}
    )

    response = api_client.generic(
        "POST", SIGN_IN, body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )

    assert response.status_code == 413
    assert response.json() == error_body(
        "payload_too_large", "The request body is too large."
    )


def test_multipart_body_over_both_limits_answers_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.MAX_IMAGE_UPLOAD_BYTES = 5000
    body = encode_multipart("BoUnDaRy", {"email": "a@ravoos.example", "x": "y" * 7000})

    response = api_client.generic(
        "POST", SIGN_IN, body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )

    assert response.status_code == 413
    assert response.json() == error_body(
        "payload_too_large", "The request body is larger than the 6000 bytes allowed."
    )


def test_form_with_too_many_fields_answers_400(api_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{number}=1" for number in range(20))

    response = api_client.post(
        SIGN_IN, body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json() == error_body(
        "parse_error", "The request has too many fields."
    )


def test_no_token_on_a_protected_route_answers_401(api_client):
    response = api_client.get("/api/test/staff-only/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == error_body(
        "not_authenticated", "Authentication credentials were not provided."
    )


def test_bad_token_answers_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get("/api/test/staff-only/")

    assert response.status_code == 401
    assert response.json() == error_body("authentication_failed", "Invalid token.")


def test_authenticated_but_not_allowed_answers_403(user_client):
    response = user_client.get("/api/test/staff-only/")

    assert response.status_code == 403
    assert response.json() == error_body("permission_denied", "Only staff may do this.")


def test_staff_pass_the_staff_only_route(staff_client):
    response = staff_client.get("/api/test/staff-only/")

    assert response.status_code == 200
    assert response.json() == {"staff": True}


def test_over_the_rate_limit_answers_429_with_retry_after(api_client):
    cache.clear()
    first = api_client.get("/api/test/throttled/")

    second = api_client.get("/api/test/throttled/")

    assert first.status_code == 200
    assert second.status_code == 429
    assert second["Retry-After"] == "60"
    assert second.json() == error_body(
        "throttled", "Request was throttled. Expected available in 60 seconds."
    )


def test_an_error_quoting_a_lone_surrogate_back_is_rendered_escaped(staff_client):
    # JSON can escape a lone surrogate; the error repeats it, and UTF-8
    # cannot encode it.
    body = json.dumps({"kind": "\ud800"})

    response = staff_client.generic(
        "POST", "/api/admin/coupons/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert b'"\\"\\ud800\\" is not a valid choice."' in response.content
    kind_errors = [e for e in response.json()["errors"] if e["attr"] == "kind"]
    assert kind_errors == [
        {
            "code": "invalid_choice",
            "detail": '"\ud800" is not a valid choice.',
            "attr": "kind",
        }
    ]
    assert not Coupon.objects.exists()


def test_text_utf8_can_hold_is_rendered_as_it_is():
    rendered = JSONRenderer().render({"name": "Pansy 🌸 \u0928"})

    assert rendered == '{"name":"Pansy 🌸 \u0928"}'.encode()


@pytest.mark.parametrize(
    "path", ["/api/test/failing/", "/api/test/failing-plain/"], ids=["drf", "django"]
)
def test_server_error_answers_json_500_without_details(quiet_client, path):
    response = quiet_client.get(path)

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == error_body(
        "error", "A server error occurred.", error_type="server_error"
    )
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_schema_and_docs_routes_answer_errors_in_json_not_yaml_or_html(
    api_client, path
):
    wrong_method = api_client.post(path, {}, format="json")
    unknown_format = api_client.get(path, {"format": "xml"})

    assert wrong_method.status_code == 405
    assert wrong_method["Content-Type"] == "application/json"
    assert wrong_method.json() == error_body(
        "method_not_allowed", 'Method "POST" not allowed.'
    )
    assert unknown_format.status_code == 404
    assert unknown_format["Content-Type"] == "application/json"
    assert unknown_format.json()["errors"][0]["code"] == "not_found"
