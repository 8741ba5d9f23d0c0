"""
Helpers for the tests that start the project the way production does: in a
subprocess, with DEBUG off and every setting from the environment.
"""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

PROJECT_DIR = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_manage(*args, env, timeout=300):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def production_env(tmp_path):
    """
    What a production deploy sets (as render.yaml does), pointed at a fresh
    SQLite file. Every variable the settings read is given explicitly, so a
    developer's `.env` cannot change the outcome.
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ravoos_pansy.settings",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "api.ravoos.example,127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://api.ravoos.example",
        "CORS_ALLOWED_ORIGINS": "https://shop.ravoos.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.ravoos.example",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "AWS_STORAGE_BUCKET_NAME": "",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def fresh_database_url(tmp_path):
    """
    An empty database for a production start: on PostgreSQL when the suite
    runs there (`<database>_start`, created fresh and dropped afterwards), else
    a new SQLite file.
    """
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'start.sqlite3'}"
        return

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_start"
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    yield (
        f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{name}"
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
