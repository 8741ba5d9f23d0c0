import pytest


@pytest.mark.django_db
def test_health_answers_ok_when_the_database_does(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_unknown_api_route_answers_json_404(api_client):
    response = api_client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


@pytest.mark.django_db
def test_every_response_carries_a_request_id(api_client):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"


@pytest.mark.django_db
def test_a_forged_request_id_is_replaced(api_client):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID="bad id\nINFO forged")

    assert response["X-Request-ID"] != "bad id\nINFO forged"
    assert len(response["X-Request-ID"]) == 32
