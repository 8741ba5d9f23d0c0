"""The project's OpenAPI document, loaded by Schemathesis from the API."""

from http import HTTPStatus

import schemathesis
from django.test.client import ClientHandler


def api_application(environ, start_response):
    """
    Django's request handler as a WSGI application, run the way the test
    client runs it: connections are not closed at the end of a request,
    so the test's transaction spans every request.
    """
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    status = f"{response.status_code} {HTTPStatus(response.status_code).phrase}"
    start_response(status, list(response.items()))
    return [response.content]


def load_schema():
    """The document `/api/schema/` serves, bound to `api_application`."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", api_application)
