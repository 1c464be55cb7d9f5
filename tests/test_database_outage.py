"""PostgreSQL (and Redis) down under gunicorn, as in production: the friendly 500 page, never gunicorn's bare one;
one log line with one traceback per failure; /healthz names the part that is down; and the site recovers on its
own once the server is back. The servers are this test's own (tests/throwaway_servers.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from cryptography.fernet import Fernet

from tests.throwaway_servers import ThrowawayPostgres, ThrowawayRedis, free_port

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "an-admin-passphrase-1234"
FRIENDLY_500 = "系统出现了问题"  # templates/500.html, in the default language


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[ThrowawayPostgres, ThrowawayRedis]]:
    postgres, redis_server = ThrowawayPostgres(), ThrowawayRedis()
    postgres.start()
    redis_server.start()
    try:
        yield postgres, redis_server
    finally:
        redis_server.stop()
        postgres.stop()
        postgres.remove()


@pytest.fixture(scope="module")
def site(servers, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """gunicorn with production settings (plain HTTP) on the throwaway servers: its address and its log file."""
    postgres, redis_server = servers
    with psycopg.connect(postgres.url(), autocommit=True) as connection:
        connection.execute("CREATE DATABASE pointsadmin")
    directory = tmp_path_factory.mktemp("site")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "POINTSADMIN_DOTENV": "",
        "DEBUG": "false",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PLAIN_HTTP_TRUSTED_NETWORK": "true",
        "DATABASE_URL": postgres.url("pointsadmin"),
        "CACHE_URL": redis_server.url,
        "STATIC_ROOT": str(directory / "static"),
        "LOG_LEVEL": "INFO",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([*manage, *command], cwd=PROJECT, env=env, check=True, capture_output=True, timeout=300)
    create_admin = (
        "from django.contrib.auth.models import Group, User;"
        f"User.objects.create_user('admin', password='{PASSWORD}').groups.add(Group.objects.get(name='Admin'))"
    )
    subprocess.run([*manage, "shell", "-c", create_admin], cwd=PROJECT, env=env, check=True, timeout=120)
    port = free_port()
    log = directory / "gunicorn.log"
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "pointsadmin.wsgi", "--bind", f"127.0.0.1:{port}"]
    gunicorn += ["--no-control-socket"]  # its default path is one per user: other gunicorns use it
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [*gunicorn, "--workers", "1", "--threads", "4"], cwd=PROJECT, env=env, stderr=log_file, stdout=log_file
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"gunicorn did not answer at {base}")


def _logged_in(base: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    return session


def _log_lines_since(log: Path, offset: int) -> list[str]:
    return log.read_text()[offset:].splitlines()


@pytest.mark.parametrize("down", [("postgres",), ("postgres", "redis")])
def test_with_the_database_down_pages_answer_our_500_and_the_site_recovers(servers, site, down):
    postgres, redis_server = servers
    base, log = site
    session = _logged_in(base)
    assert session.get(f"{base}/audit/", timeout=10).status_code == 200

    offset = len(log.read_text())
    postgres.stop()
    if "redis" in down:
        redis_server.stop()
    try:
        page = session.get(f"{base}/audit/", timeout=30)
        health = requests.get(f"{base}/healthz", timeout=30)
        health_with_a_session = session.get(f"{base}/healthz", timeout=30)  # a logged-in monitor or browser
    finally:
        postgres.start()
        redis_server.start()

    assert page.status_code == 500
    assert FRIENDLY_500 in page.text
    assert "Internal Server Error" not in page.text  # gunicorn's bare page
    for answer in (health, health_with_a_session):  # its user is not read: the view is open to everyone
        assert answer.status_code == 503
        assert answer.json() == {
            "status": "error",
            "database": "error",
            "cache": "error" if "redis" in down else "ok",
        }
    # Every log line is one JSON object; the failed page left one error with one traceback, not a chain of them.
    lines = _log_lines_since(log, offset)
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert [line for line in lines if not line.startswith("{")] == []
    errors = [entry for entry in entries if "exception" in entry]
    assert len(errors) == 1, errors
    assert errors[0]["message"] == "Internal Server Error: /audit/"
    assert errors[0]["exception"].count("Traceback (most recent call last)") == 1
    assert "During handling of the above exception" not in errors[0]["exception"]
    assert any("psycopg" in cause for cause in errors[0]["causes"])

    # Back: the kept connection the server dropped is replaced (CONN_HEALTH_CHECKS), and the session is still there.
    assert session.get(f"{base}/audit/", timeout=10).status_code == 200
    assert requests.get(f"{base}/healthz", timeout=10).status_code == 200


def test_with_redis_down_the_site_works_from_the_database(servers, site):
    _postgres, redis_server = servers
    base, _log = site
    session = _logged_in(base)
    redis_server.stop()
    try:
        assert session.get(f"{base}/audit/", timeout=10).status_code == 200
        assert _logged_in(base).get(f"{base}/connections/", timeout=10).status_code == 200
        health = requests.get(f"{base}/healthz", timeout=10)
    finally:
        redis_server.start()
    assert health.status_code == 503
    assert health.json() == {"status": "error", "database": "ok", "cache": "error"}
