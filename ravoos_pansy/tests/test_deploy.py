import re
import runpy
import subprocess
from decimal import Decimal

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from ravoos_pansy import settings as base_settings

from .conftest import PROJECT_DIR, VENV_BIN, run_manage

SECRET_KEY_MISSING = "SECRET_KEY must be set when DEBUG is off (see .env.example)."


def test_deploy_check_with_production_settings_reports_no_issue(production_env):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_deploy_check_refuses_the_console_mail_backend(production_env):
    env = {**production_env, "EMAIL_BACKEND": ""}

    result = run_manage("check", "--deploy", env=env)

    assert result.returncode == 1
    assert "mail.E001" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["manage.py", "migrate", "--noinput"],
        ["gunicorn", "--config", "gunicorn.conf.py", "--check-config"],
    ],
    ids=["migrate", "gunicorn"],
)
def test_start_without_a_secret_key_stops_with_a_one_line_explanation(
    production_env, command
):
    env = {**production_env, "SECRET_KEY": ""}
    program = str(VENV_BIN / ("python" if command[0] == "manage.py" else "gunicorn"))
    args = command if command[0] == "manage.py" else command[1:]

    result = subprocess.run(
        [program, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr == f"{SECRET_KEY_MISSING}\n"


@pytest.mark.parametrize("rate", ["5", "-0.05", "0.12345", "five", "NaN"])
def test_start_with_a_tax_rate_that_is_not_a_fraction_stops_with_one_line(
    production_env, rate
):
    result = run_manage("check", env={**production_env, "TAX_RATE": rate})

    assert result.returncode == 1
    assert result.stderr == (
        "TAX_RATE must be a fraction from 0 to below 1 with at most 4 decimal "
        f"places, such as 0.05 for 5% (got {rate!r}).\n"
    )


@pytest.mark.parametrize(
    ("name", "value", "minimum"),
    [
        ("TOKEN_TTL_HOURS", "abc", 1),
        ("CONN_MAX_AGE", "abc", 0),
        ("NUM_PROXIES", "-1", 0),
        ("IDEMPOTENCY_KEY_TTL_HOURS", "0", 1),
        ("LOCKOUT_FAILURES_PER_EMAIL", "0", 1),
    ],
)
def test_start_with_a_number_setting_out_of_range_stops_with_one_line(
    production_env, name, value, minimum
):
    result = run_manage("check", env={**production_env, name: value})

    assert result.returncode == 1
    assert result.stderr == (
        f"{name} must be a whole number of at least {minimum} (got {value!r}).\n"
    )


def check_gunicorn_config(env):
    return subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--check-config"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "value", "minimum"),
    [
        ("PORT", "abc", 1),
        ("WEB_CONCURRENCY", "0", 1),
        ("GUNICORN_THREADS", "two", 1),
        ("GUNICORN_TIMEOUT", "-1", 0),
        ("GUNICORN_MAX_REQUESTS", "1e4", 0),
    ],
)
def test_gunicorn_with_a_number_setting_out_of_range_stops_with_one_line(
    production_env, name, value, minimum
):
    result = check_gunicorn_config({**production_env, name: value})

    assert result.returncode == 1
    assert result.stderr == (
        f"{name} must be a whole number of at least {minimum} (got {value!r}).\n"
    )


def test_gunicorn_accepts_a_timeout_of_zero(production_env):
    result = check_gunicorn_config({**production_env, "GUNICORN_TIMEOUT": "0"})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("start", ["manage", "gunicorn"])
def test_start_with_an_unknown_log_level_stops_with_one_line(production_env, start):
    env = {**production_env, "LOG_LEVEL": "loud"}

    if start == "manage":
        result = run_manage("check", env=env)
    else:
        result = check_gunicorn_config(env)

    assert result.returncode == 1
    assert result.stderr == (
        "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL (got 'loud').\n"
    )


def test_a_log_level_in_lower_case_is_accepted(production_env):
    result = run_manage("check", env={**production_env, "LOG_LEVEL": "warning"})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("text", "rate"), [("0", "0"), ("0.18", "0.18"), ("0.0525", "0.0525")]
)
def test_a_tax_rate_of_up_to_four_places_is_read_as_a_decimal(text, rate):
    assert base_settings.tax_rate(text) == Decimal(rate)


def test_gunicorn_reads_port_and_worker_counts_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "10000")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")

    config = runpy.run_path(str(PROJECT_DIR / "gunicorn.conf.py"))

    assert config["bind"] == "0.0.0.0:10000"
    assert config["workers"] == 3
    assert config["threads"] == 4
    assert config["wsgi_app"] == "ravoos_pansy.wsgi:application"
    assert config["preload_app"] is True


def test_gunicorn_defaults_to_port_8000_two_workers_and_no_access_log(monkeypatch):
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)

    config = runpy.run_path(str(PROJECT_DIR / "gunicorn.conf.py"))

    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == 2
    assert config["threads"] == 1
    assert "accesslog" not in config
    assert config["logconfig_dict"]["loggers"]["gunicorn.access"]["handlers"] == [
        "discard"
    ]
    assert (
        config["logconfig_dict"]["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    )


def test_openapi_schema_validates_without_a_warning(tmp_path):
    schema = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))

    text = schema.read_text()
    assert text.startswith("openapi: 3.")
    assert "/api/health/:" in text


def test_database_connections_are_persistent_and_health_checked():
    database = settings.DATABASES["default"]

    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True


NAME = r"\(\s*[\"'](\w+)"  # the first argument, a quoted variable name
READERS = {
    "ravoos_pansy/settings/__init__.py": r"env_(?:str|int|bool|list)" + NAME,
    "gunicorn.conf.py": r"_env_int" + NAME,
    "*/management/commands/*.py": r"os\.environ\.get" + NAME,
}


def variables_read_by_the_code():
    names = {"DATABASE_URL"}  # read by dj_database_url.config()
    for files, pattern in READERS.items():
        for path in PROJECT_DIR.glob(files):
            names |= set(re.findall(pattern, path.read_text()))
    return names


def test_env_example_lists_every_variable_the_code_reads():
    listed = set(
        re.findall(
            r"^#? ?([A-Z][A-Z0-9_]*)=",
            (PROJECT_DIR / ".env.example").read_text(),
            re.MULTILINE,
        )
    )
    read = variables_read_by_the_code()

    assert {"SECRET_KEY", "DATABASE_URL", "PORT", "ADMIN_EMAIL"} <= read
    assert read - listed == set()


def render_blueprint():
    return yaml.safe_load((PROJECT_DIR / "render.yaml").read_text())


def blueprint_variables(entry, groups):
    names = set()
    for variable in entry.get("envVars", []):
        if "fromGroup" in variable:
            names |= blueprint_variables(groups[variable["fromGroup"]], groups)
        else:
            names.add(variable["key"])
    return names


def test_render_blueprint_sets_only_variables_the_code_reads():
    blueprint = render_blueprint()
    groups = {group["name"]: group for group in blueprint["envVarGroups"]}
    # django-storages reads the AWS keys from the environment itself.
    known = variables_read_by_the_code() | {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }

    for service in blueprint["services"]:
        assert blueprint_variables(service, groups) - known == set(), service["name"]


def test_every_render_service_running_django_gets_its_required_settings():
    blueprint = render_blueprint()
    groups = {group["name"]: group for group in blueprint["envVarGroups"]}
    django_services = [s for s in blueprint["services"] if s.get("runtime") == "docker"]

    assert [s["type"] for s in django_services] == ["web", "worker", "cron"]
    for service in django_services:
        names = blueprint_variables(service, groups)
        assert {"DEBUG", "SECRET_KEY", "DATABASE_URL"} <= names, service["name"]
