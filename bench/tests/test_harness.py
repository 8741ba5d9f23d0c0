import pytest
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from bench.load import Endpoint, Result, parse_wrk_output
from bench.report import results_table
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


def result(per_second, *, errors=0):
    return Result(
        requests=per_second * 10,
        seconds=10.0,
        p50_ms=2.0,
        p99_ms=9.0,
        errors=errors,
        exhausted=False,
        cpu_ms=1.5,
    )


def test_each_row_is_compared_with_the_two_ceilings_around_it():
    ceilings = [result(1000), result(600), result(1400)]
    rows = [
        (Endpoint("detail", "product detail", target=0.6), result(560), ceilings[:2]),
        (Endpoint("cart", "cart read", target=0.4), result(400), ceilings[1:]),
    ]

    lines = results_table(ceilings=ceilings, rows=rows)

    assert lines[2].startswith("| ceiling (constant JSON), mean of 3 runs | 1,000 |")
    assert (
        "| product detail | 560 | 2.0 | 9.0 | 0 | 0.70 | 0.60 | met | 1.50 |" in lines
    )
    assert "| cart read | 400 | 2.0 | 9.0 | 0 | 0.40 | 0.40 | met | 1.50 |" in lines


def test_a_row_with_errors_misses_its_target_whatever_its_ratio():
    ceilings = [result(100), result(100)]
    rows = [
        (Endpoint("checkout", "checkout", target=0.15), result(50, errors=1), ceilings)
    ]

    (line,) = results_table(ceilings=ceilings, rows=rows)[3:]

    assert "| 0.50 | 0.15 | MISSED |" in line
