"""The settings refuse to start production without secrets, and production passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

PROJECT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # No inherited environment and no .env file: exactly what the test passes.
    clean_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "POINTSADMIN_DOTENV": "", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 60}, "FIELD_ENCRYPTION_KEYS"),
    ],
)
def test_production_refuses_to_start_without_secrets_in_one_line(env, missing, tmp_path):
    # DEBUG unset means production.
    result = _manage("check", **env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"Configuration error: {missing} is not set: production (DEBUG=False) needs it in the environment."
    ]


def test_a_malformed_encryption_key_is_named_without_being_printed():
    result = _manage("check", SECRET_KEY="x" * 60, FIELD_ENCRYPTION_KEYS="not-a-key-at-all")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS: key 1 is not a Fernet key" in result.stderr
    assert "not-a-key-at-all" not in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_is_clean_in_a_production_like_environment():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=Fernet.generate_key().decode() + Fernet.generate_key().decode(),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="points.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_httponly_and_samesite():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)"
    )
    result = _manage(
        "shell",
        "-c",
        code,
        SECRET_KEY="y" * 60,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="points.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == ["True", "True", "Lax", "True", "True", "True"]


def test_with_no_environment_at_all_debug_runs_on_sqlite_and_local_memory():
    code = (
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'])"
    )
    result = _manage("shell", "-c", code, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.sqlite3" in result.stdout
    assert "locmem.LocMemCache" in result.stdout


def test_database_and_cache_urls_switch_to_postgresql_and_redis():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.TIME_ZONE, s.LANGUAGE_CODE)"
    )
    result = _manage(
        "shell",
        "-c",
        code,
        DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "pointsadmin.postgresql",
        "pointsadmin.cache.SharedPoolRedisCache",
        "Asia/Shanghai",
        "zh-hans",
    ]


def test_the_wsgi_app_is_warmed_before_gunicorn_forks_without_opening_a_connection():
    # gunicorn.conf.py preloads the app in the master; whatever it opened there every worker would share.
    code = (
        "import sys, pointsadmin.wsgi;"
        "from django.db import connections; from django.template import engines; from pointsadmin import cache;"
        "loader = engines['django'].engine.template_loaders[0].loaders[0];"
        "compiled = {str(key) for key in loader.get_template_cache};"
        "print('db-open' if connections['default'].connection is not None else 'db-closed',"
        "     'cache-clients=%d' % len(cache._clients),"
        "     'views' if 'ledger.views' in sys.modules and 'connections.views' in sys.modules else 'no-views',"
        "     'member-page-compiled' if 'ledger/member_detail.html' in compiled else 'member-page-not-compiled')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "POINTSADMIN_DOTENV": "",
            "DEBUG": "false",
            "SECRET_KEY": "x" * 60,
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["db-closed", "cache-clients=0", "views", "member-page-compiled"]
    gunicorn_settings: dict[str, object] = {}
    exec((PROJECT / "gunicorn.conf.py").read_text(), gunicorn_settings)  # noqa: S102  # nosec B102 # our own file
    assert gunicorn_settings["preload_app"] is True
    # And no keep-alive: a kept-alive connection pins its load on one worker (bench/README.md).
    assert gunicorn_settings["keepalive"] == 0
