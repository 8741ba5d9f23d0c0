import json

import pytest

from .conftest import free_port, run_manage

# Runs in a subprocess whose DATABASE_URL points at a database that cannot
# be reached, and prints what two routes answered.
UNREACHABLE_DATABASE_PROBE = """
import json

import django

django.setup()

from django.test import Client, override_settings

client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
answers = {}
with override_settings(ROOT_URLCONF="ravoos_pansy.tests.urls"):
    for path in ("/api/health/", "/api/test/user-count/"):
        response = client.get(path, secure=True)
        answers[path] = [response.status_code, response.json()]
print(json.dumps(answers))
"""


@pytest.mark.django_db
def test_health_answers_ok_when_the_database_does(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "database_url",
    [
        "postgres://postgres@127.0.0.1:{closed_port}/ravoos",
        "sqlite:///{tmp_path}/no-such-directory/db.sqlite3",
    ],
    ids=["postgres-port-closed", "sqlite-file-unopenable"],
)
def test_unreachable_database_gives_503_on_health_and_on_api_routes(
    production_env, tmp_path, database_url
):
    env = {
        **production_env,
        "DATABASE_URL": database_url.format(closed_port=free_port(), tmp_path=tmp_path),
    }

    result = run_manage("shell", "-c", UNREACHABLE_DATABASE_PROBE, env=env)

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["/api/health/"] == [
        503,
        {"status": "unavailable", "database": "unreachable"},
    ]
    assert answers["/api/test/user-count/"] == [
        503,
        {
            "type": "server_error",
            "errors": [
                {
                    "code": "service_unavailable",
                    "detail": "The service is briefly unavailable; please retry.",
                    "attr": None,
                }
            ],
        },
    ]


@pytest.mark.django_db
@pytest.mark.urls("ravoos_pansy.tests.urls")
def test_health_answers_any_host_over_plain_http(api_client, settings):
    # Platform health checks come by an internal address and without TLS.
    settings.SECURE_SSL_REDIRECT = True

    health = api_client.get("/api/health/", HTTP_HOST="10.0.0.7:8000")
    other = api_client.get("/api/test/user-count/", HTTP_HOST="10.0.0.7:8000")
    redirected = api_client.get("/api/test/user-count/")

    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok"}
    assert other.status_code == 400
    assert other.json()["errors"][0]["code"] == "bad_request"
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/api/test/user-count/"
