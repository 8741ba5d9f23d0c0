import pytest
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from bench.load import parse_wrk_output
from bench.views import CEILING_BODY


def test_the_ceiling_route_is_not_served_by_the_project():
    with pytest.raises(Resolver404):
        resolve("/bench/ceiling/", urlconf="ravoos_pansy.urls")


@pytest.mark.django_db
def test_the_ceiling_answers_its_constant_without_a_query(
    settings, django_assert_num_queries
):
    settings.ROOT_URLCONF = "bench.urls"

    with django_assert_num_queries(0):
        response = APIClient().get("/bench/ceiling/")

    assert response.status_code == 200
    assert response.json() == CEILING_BODY


def test_the_benchmark_urls_keep_every_project_route():
    assert resolve("/api/products/", urlconf="bench.urls").url_name == "product-list"


def test_a_wrk_summary_is_read_into_a_result():
    output = (
        "Running 10s test @ http://127.0.0.1:8710\n"
        'BENCH-RESULT {"requests": 5000, "duration_us": 10000000, "p50_us": 2500, '
        '"p99_us": 9100, "status_errors": 3, "socket_errors": 1, "exhausted": 0}\n'
    )

    result = parse_wrk_output(output)

    assert result.per_second == 500.0
    assert (result.p50_ms, result.p99_ms) == (2.5, 9.1)
    assert result.errors == 4
    assert result.exhausted is False
