"""One log line per request, with its id, and never a secret."""

import logging

import pytest
from django.conf import settings

from ravoos_pansy.logs import RequestIdLogFilter

pytestmark = [pytest.mark.urls("ravoos_pansy.tests.urls"), pytest.mark.django_db]

PASSWORD = "Correct-Horse-Battery-42"
TOKEN = "tok3n-that-must-stay-secret"


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "ravoos_pansy.middleware"]


def rendered(record):
    """The record as the configured stdout handler writes it."""
    RequestIdLogFilter().filter(record)
    formatter = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    return formatter.format(record)


def test_each_request_logs_one_info_line_with_method_path_status_and_id(
    api_client, caplog
):
    caplog.set_level(logging.INFO)

    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID="req-42")

    [line] = request_lines(caplog)
    assert line.levelno == logging.INFO
    assert line.request_id == "req-42"
    assert line.args[:3] == ("GET", "/api/health/", 200)
    assert line.getMessage().startswith("GET /api/health/ 200 ")
    assert line.getMessage().endswith("ms")
    assert response["X-Request-ID"] == "req-42"
    assert "[req-42]" in rendered(line)


def test_error_responses_are_logged_with_their_status(api_client, caplog):
    caplog.set_level(logging.INFO)

    api_client.get("/api/no-such-thing/")

    [line] = request_lines(caplog)
    assert line.args[:3] == ("GET", "/api/no-such-thing/", 404)


def test_a_line_break_in_the_path_cannot_forge_a_log_line(api_client, caplog):
    caplog.set_level(logging.INFO)

    api_client.get("/api/nothing%0A2026-01-01 INFO forged/")

    [line] = request_lines(caplog)
    assert line.getMessage().startswith(
        "GET /api/nothing\\n2026-01-01 INFO forged/ 404 "
    )
    assert "\n" not in rendered(line)


def test_every_response_carries_a_request_id(api_client):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"


def test_a_forged_request_id_is_replaced(api_client):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID="bad id\nINFO forged")

    assert response["X-Request-ID"] != "bad id\nINFO forged"
    assert len(response["X-Request-ID"]) == 32


def test_no_log_record_holds_a_password_token_or_query_string(api_client, caplog):
    caplog.set_level(logging.DEBUG)

    api_client.post(
        f"/api/test/sign-in/?token={TOKEN}",
        {"email": "a@ravoos.example", "password": PASSWORD},
        format="json",
    )
    api_client.post(
        "/api/test/sign-in/",
        f'{{"email": "a@ravoos.example", "password": "{PASSWORD}"',
        content_type="application/json",
    )
    api_client.get("/api/test/staff-only/", HTTP_AUTHORIZATION=f"Token {TOKEN}")

    assert len(request_lines(caplog)) == 3
    for record in caplog.records:
        text = rendered(record) + repr(record.args)
        assert PASSWORD not in text
        assert TOKEN not in text
        assert "?" not in record.getMessage()


def test_a_request_for_another_host_is_one_warning_line_without_a_traceback(
    api_client, caplog
):
    caplog.set_level(logging.INFO)

    response = api_client.get("/api/no-such-thing/", HTTP_HOST="scanner.example")

    [record] = [r for r in caplog.records if r.name.startswith("django.security")]
    assert response.status_code == 400
    assert record.levelno == logging.WARNING
    assert "'scanner.example'" in record.getMessage()
    assert record.exc_info is None
    assert "Traceback" not in rendered(record)
