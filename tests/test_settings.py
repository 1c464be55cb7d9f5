"""The settings refuse to start production without secrets, and production passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.throwaway_servers import ThrowawayRedis, free_port

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


PRODUCTION = {
    "SECRET_KEY": Fernet.generate_key().decode() + Fernet.generate_key().decode(),
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "points.example.com",
    "DATABASE_URL": "postgres://pointsadmin@db.example.com:5432/pointsadmin",
    "CACHE_URL": "redis://redis.example.com:6379/0",
}


def test_check_deploy_is_clean_in_a_production_like_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_production_on_the_local_memory_cache():
    # Several workers, each with its own tokens and rate limits, kill each other's tokens (issue: split-brain).
    result = _manage("check", "--deploy", **{**PRODUCTION, "CACHE_URL": ""})
    assert "pointsadmin.W001" in result.stderr
    assert "CACHE_URL" in result.stderr


def test_check_deploy_flags_a_forwarded_client_address_without_a_proxy_count():
    header = {"AXES_IPWARE_META_PRECEDENCE_ORDER": "HTTP_X_FORWARDED_FOR,REMOTE_ADDR"}
    result = _manage("check", "--deploy", **PRODUCTION, **header)
    assert "pointsadmin.W002" in result.stderr
    counted = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **header, AXES_IPWARE_PROXY_COUNT="0"
    )
    assert counted.returncode == 0, counted.stderr


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


def test_one_switch_serves_plain_http_on_a_trusted_network():
    # Secure cookies over plain HTTP are dropped by the browser: every login would fail on the CSRF check.
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    result = _manage("shell", "-c", code, **PRODUCTION, PLAIN_HTTP_TRUSTED_NETWORK="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["False", "False", "False", "0"]


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
        "django.db.backends.postgresql",
        "pointsadmin.cache.RedisCache",
        "Asia/Shanghai",
        "zh-hans",
    ]


def test_the_wsgi_app_is_warmed_before_gunicorn_forks_without_opening_a_connection():
    # gunicorn.conf.py preloads the app in the master; whatever it opened there every worker would share.
    redis_server = ThrowawayRedis()
    redis_server.start()
    try:
        code = (
            "import sys, redis, pointsadmin.wsgi;"
            "from django.db import connections; from django.template import engines;"
            "loader = engines['django'].engine.template_loaders[0].loaders[0];"
            "compiled = {str(key) for key in loader.get_template_cache};"
            f"clients = redis.Redis(port={redis_server.port}).info('clients')['connected_clients'];"
            "print('db-open' if connections['default'].connection is not None else 'db-closed',"
            "     'redis-clients=%d' % (clients - 1),"  # less the one asking
            "     'views' if 'ledger.views' in sys.modules and 'connections.views' in sys.modules else 'no-views',"
            "     'member-page-compiled' if 'ledger/member_detail.html' in compiled else 'member-page-not-compiled')"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT,
            env={
                **_production_env(),
                "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
                "CACHE_URL": redis_server.url,
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        redis_server.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["db-closed", "redis-clients=0", "views", "member-page-compiled"]
    gunicorn_settings: dict[str, object] = {}
    exec((PROJECT / "gunicorn.conf.py").read_text(), gunicorn_settings)  # noqa: S102  # nosec B102 # our own file
    assert gunicorn_settings["preload_app"] is True
    # And no keep-alive: a kept-alive connection pins its load on one worker (bench/README.md).
    assert gunicorn_settings["keepalive"] == 0


def _production_env() -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "POINTSADMIN_DOTENV": "",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PLAIN_HTTP_TRUSTED_NETWORK": "true",
        "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp(prefix='pointsadmin-')}/db.sqlite3",
    }


def _gunicorn(workers: int, **env: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "pointsadmin.wsgi", "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "--workers", str(workers), "--no-control-socket"],
        cwd=PROJECT,
        env={**_production_env(), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, f"http://127.0.0.1:{port}"


def test_gunicorn_refuses_several_workers_on_the_local_memory_cache_in_one_line():
    process, _ = _gunicorn(2)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert stderr.strip().splitlines()[-1] == (
        "Refusing to start 2 workers on the local-memory cache: set CACHE_URL to a shared Redis, or GUNICORN_WORKERS=1."
    )
    assert "Traceback" not in stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_gunicorn_starts_one_worker_on_local_memory_or_several_on_redis(workers):
    redis_server = ThrowawayRedis()
    redis_server.start()
    process, base = _gunicorn(workers, **({"CACHE_URL": redis_server.url} if workers > 1 else {}))
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert process.poll() is None, process.communicate()[1]
        assert requests.get(f"{base}/healthz", timeout=10).json()["status"] == "ok"
    finally:
        process.terminate()
        # gunicorn stops within its graceful_timeout (30 s) even if a worker is still booting.
        process.communicate(timeout=45)
        redis_server.stop()
