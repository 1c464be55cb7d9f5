"""`make demo` serves the dashboard as production does: DEBUG off, our own error pages, static files collected
and served by WhiteNoise; its set-up command still runs with DEBUG on (it refuses otherwise).

The Makefile runs here with a stand-in for the virtualenv's python that only records what it was asked to do
and with which environment; then the dashboard is asked for pages with exactly the environment `runserver` got.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

PROJECT = Path(__file__).resolve().parent.parent
RECORDER = """#!/bin/sh
exec {python} -c 'import json, os, sys; print(json.dumps({{"args": sys.argv[1:], "env": dict(os.environ)}}))' "$@" \
    >> {log}
"""
# What the dashboard is asked, in a process of its own, with the environment runserver got.
ASK = """
import django, re
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1:8000")
missing = client.get("/no-such-page/")
css = re.search(r'href="(/static/css/app[^"]*)"', missing.content.decode())[1]
print(missing.status_code, "页面不存在" in missing.content.decode(), "URLconf" in missing.content.decode(),
      css, client.get(css).status_code)
"""


@pytest.fixture
def demo_commands(tmp_path) -> list[dict]:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "commands.jsonl"
    stand_in = venv / "bin" / "python"
    stand_in.write_text(RECORDER.format(python=sys.executable, log=log), encoding="utf-8")
    stand_in.chmod(0o755)
    (venv / ".installed").touch()  # newer than the requirements: nothing is installed
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "MAKEFLAGS", "MFLAGS")}
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".env", "demo", f"VENV={venv}"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        # The recipe ends with `kill 0`, which stops both servers and make with them (so make's exit status says
        # nothing): in a process group of its own, that spares this one.
        start_new_session=True,
    )
    assert log.exists(), result.stderr
    commands = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert any(command["args"][:2] == ["manage.py", "runserver"] for command in commands), result.stderr
    return commands


def _command(commands: list[dict], *args: str) -> dict:
    return next(command for command in commands if command["args"][: len(args)] == list(args))


def test_the_demo_server_runs_with_debug_off_after_collecting_static_files(demo_commands):
    names = [" ".join(command["args"][:2]) for command in demo_commands]
    assert names.index("manage.py collectstatic") < names.index("manage.py runserver")
    server = _command(demo_commands, "manage.py", "runserver")
    assert server["env"]["DEBUG"] == "false"
    assert "127.0.0.1" in server["env"]["ALLOWED_HOSTS"].split(",")
    assert _command(demo_commands, "manage.py", "collectstatic")["env"]["DEBUG"] == "false"
    # The set-up writes well-known passwords and insists on DEBUG itself.
    assert _command(demo_commands, "manage.py", "demo_setup")["env"]["DEBUG"] == "true"


def test_with_the_demo_servers_environment_a_mistyped_address_gets_our_404_and_static_files_are_served(
    demo_commands, tmp_path
):
    server_env = _command(demo_commands, "manage.py", "runserver")["env"]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "POINTSADMIN_DOTENV": "",
        "DJANGO_SETTINGS_MODULE": "pointsadmin.settings",
        # The demo's own keys come from its .env; any will do here.
        "SECRET_KEY": "demo-test-secret-key-0123456789-0123456789-0123456789",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        **{key: server_env[key] for key in server_env if key in _DEMO_SETTINGS},
    }

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    run("manage.py", "collectstatic", "--no-input", "--verbosity", "0")
    status, ours, debug_page, css, css_status = run("-c", ASK).split()
    assert (status, ours, debug_page, css_status) == ("404", "True", "False", "200")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", css)  # the collected, hashed file


# The settings the Makefile sets for the demo server (the rest of its environment is the caller's).
_DEMO_SETTINGS = {
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "BEHIND_TLS_PROXY",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
}
