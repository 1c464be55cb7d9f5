"""`manage.py connection …`: what operators can do, and every wrong input ending in one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from audit.models import AuditAction, AuditEntry
from connections.models import VendorConnection
from tests.conftest import TEST_CREDENTIALS
from tests.connections.conftest import all_secret_values
from tests.connections.handshakes import BASE_URLS, fake_kingdee_handshake

pytestmark = pytest.mark.django_db

KINGDEE = TEST_CREDENTIALS["kingdee"]


def run(*args: str) -> str:
    """The command's output, in English (commands speak the site's LANGUAGE_CODE, zh-hans by default)."""
    out = StringIO()
    with translation.override("en"):
        call_command("connection", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def credential_args(vendor: str, **overrides: str) -> list[str]:
    credentials = {**TEST_CREDENTIALS[vendor], **overrides}
    return [arg for key, value in credentials.items() for arg in ("--credential", f"{key}={value}")]


def command_error(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        run(*args)
    message = str(raised.value)
    assert "\n" not in message.strip()
    for secret in all_secret_values():
        assert secret not in message
    return message


# --- add --------------------------------------------------------------------------------------------


def test_add_with_credential_options_saves_and_tests_it(vendor_http, caplog):
    caplog.set_level("DEBUG")
    note = fake_kingdee_handshake(vendor_http)
    out = run(
        "add",
        "--vendor",
        "kingdee",
        "--name",
        "Kingdee HQ",
        "--timeout",
        "20",
        "--base-url",
        BASE_URLS["kingdee"],
        *credential_args("kingdee"),
    )
    connection = VendorConnection.objects.get()
    assert f"Added connection {connection.pk}" in out
    # Like saving on the page, adding tests the account at once.
    assert f"The vendor accepted it: {note}" in out
    assert connection.name == "Kingdee HQ"
    assert connection.base_url == BASE_URLS["kingdee"]
    assert connection.timeout_seconds == 20
    assert connection.enabled is True
    assert connection.credentials == KINGDEE
    assert connection.last_test_ok is True
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_CREATED)
    assert entry.user is None
    assert entry.details["via"].startswith("manage.py connection add")
    tested = AuditEntry.objects.get(action=AuditAction.CONNECTION_TESTED)
    assert tested.details["via"].startswith("manage.py connection add")
    for secret in all_secret_values():
        assert secret not in out
        assert secret not in caplog.text


def test_add_from_a_credentials_file_with_options_overriding_it(tmp_path: Path):
    file = tmp_path / "xiaoe.json"
    file.write_text(json.dumps({**TEST_CREDENTIALS["xiaoe"], "app_id": "from-file"}))
    run(
        "add",
        "--vendor",
        "xiaoe",
        "--name",
        "Xiaoe",
        "--base-url",
        "http://127.0.0.1:8765/",
        "--disabled",
        "--credentials-file",
        str(file),
        "--credential",
        "app_id=from-option",
    )
    connection = VendorConnection.objects.get()
    assert connection.credentials == {**TEST_CREDENTIALS["xiaoe"], "app_id": "from-option"}
    assert connection.base_url == "http://127.0.0.1:8765"
    assert connection.enabled is False


def test_a_numeric_client_id_in_the_file_is_taken_as_written(tmp_path: Path):
    file = tmp_path / "kingdee.json"
    file.write_text(json.dumps({**KINGDEE, "client_id": 205022}))
    out = run("add", "--vendor", "kingdee", "--name", "K", "--no-test", "--credentials-file", str(file))
    connection = VendorConnection.objects.get()
    assert connection.credentials["client_id"] == "205022"
    assert f"Test it with: manage.py connection test {connection.pk}" in out
    assert connection.last_tested_at is None


def _bad_file(tmp_path: Path, content: str) -> str:
    file = tmp_path / "credentials.json"
    file.write_text(content)
    return str(file)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vendor", "paypal", "--name", "P"], "Unknown vendor “paypal”; choose one of: xinyue, xiaoe, kingdee."),
        (["--vendor", "kingdee", "--name", "K", *credential_args("kingdee", region="cn")], "Unknown credential key"),
        (
            ["--vendor", "kingdee", "--name", "K", "--credential", KINGDEE["app_secret"]],
            "--credential number 1 is not KEY=VALUE.",
        ),
        (
            ["--vendor", "kingdee", "--name", "K", *credential_args("kingdee", client_secret="")],
            "credential client_secret: Please fill this in.",
        ),
        (
            ["--vendor", "kingdee", "--name", "K", "--credential", f"client_id={KINGDEE['client_id']}"],
            "credential app_key: Please fill this in.",
        ),
        (
            ["--vendor", "kingdee", "--name", "K", *credential_args("kingdee", app_secret="s" * 257)],
            "credential app_secret: At most 256 characters (this has 257).",
        ),
        (
            ["--vendor", "kingdee", "--name", "", *credential_args("kingdee")],
            "--name: Please fill this in.",
        ),
        (
            ["--vendor", "kingdee", "--name", "n" * 101, *credential_args("kingdee")],
            "--name: At most 100 characters (this has 101).",
        ),
        (
            ["--vendor", "kingdee", "--name", "K", "--base-url", "ftp://x.example", *credential_args("kingdee")],
            "--base-url: Enter a valid http:// or https:// address.",
        ),
        (
            ["--vendor", "kingdee", "--name", "K", "--timeout", "soon", *credential_args("kingdee")],
            "--timeout: Enter the timeout as a whole number of seconds from 1 to 120.",
        ),
        (
            ["--vendor", "kingdee", "--name", "K", "--timeout", "500", *credential_args("kingdee")],
            "--timeout: Enter the timeout as a whole number of seconds from 1 to 120.",
        ),
        (["--name", "K"], "the following arguments are required: --vendor"),
    ],
)
def test_add_refuses_bad_input_in_one_line_and_saves_nothing(args, message):
    assert message in command_error("add", *args)
    assert not VendorConnection.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"app_secret": "' + KINGDEE["app_secret"] + '",', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('"just a string"', "expected a JSON object"),
        ('{"client_id": {"nested": true}}', "the value of “client_id” must be a string"),
    ],
)
def test_add_refuses_a_bad_credentials_file(tmp_path, content, message):
    path = _bad_file(tmp_path, content)
    assert message in command_error("add", "--vendor", "kingdee", "--name", "K", "--credentials-file", path)
    assert not VendorConnection.objects.exists()


def test_add_refuses_a_missing_credentials_file(tmp_path):
    missing = str(tmp_path / "nope.json")
    assert "does not exist" in command_error("add", "--vendor", "xinyue", "--name", "X", "--credentials-file", missing)


def test_add_refuses_a_duplicate_name(make_connection):
    make_connection("xinyue", name="Taken")
    message = command_error("add", "--vendor", "xinyue", "--name", "Taken", *credential_args("xinyue"))
    assert "--name: A vendor account with this name already exists." in message
    assert VendorConnection.objects.count() == 1


# --- list / show ------------------------------------------------------------------------------------


def test_list(make_connection):
    make_connection("kingdee", name="Kingdee HQ")
    make_connection("xinyue", name="Xinyue", enabled=False)
    out = run("list")
    assert "Kingdee HQ" in out
    assert "https://api.kingdee.com" in out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "VENDOR", "NAME"]
    xinyue_line = next(line for line in lines if "Xinyue" in line)
    assert " no " in xinyue_line
    assert " never " in xinyue_line
    for secret in all_secret_values():
        assert secret not in out


def test_list_when_empty():
    assert run("list").strip() == "No connections."


def test_show_prints_which_secrets_are_set_never_their_values(make_connection):
    connection = make_connection("kingdee", name="Kingdee HQ")
    out = run("show", "Kingdee HQ")
    assert run("show", str(connection.pk)) == out
    lines = dict(line.split(None, 2)[1:] for line in out.splitlines() if line.startswith("credential"))
    assert lines == {
        "client_id": KINGDEE["client_id"],
        "client_secret": "set",
        "app_key": KINGDEE["app_key"],
        "app_secret": "set",
        "domain": KINGDEE["domain"],
    }
    for secret in all_secret_values():
        assert secret not in out


def test_show_says_not_set_for_a_missing_credential(make_connection):
    make_connection("xiaoe", name="X", credentials={"app_id": "app_1", "secret_key": ""})
    out = run("show", "X")
    assert "credential secret_key  not set" in out
    assert "credential client_id   not set" in out


@pytest.mark.parametrize("action", ["show", "test", "enable", "disable", "delete"])
def test_an_unknown_connection_is_a_one_line_error(action, make_connection):
    make_connection("kingdee")
    assert "No connection with id or name “ghost”." in command_error(action, "ghost")
    assert "No connection with id or name “999”." in command_error(action, "999")
    assert VendorConnection.objects.count() == 1


# --- enable / disable / delete ----------------------------------------------------------------------


def test_disable_and_enable(make_connection):
    connection = make_connection("xinyue", name="X")
    assert "now disabled" in run("disable", "X")
    assert "already disabled" in run("disable", "X")
    connection.refresh_from_db()
    assert connection.enabled is False
    assert "now enabled" in run("enable", str(connection.pk))
    connection.refresh_from_db()
    assert connection.enabled is True
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.CONNECTION_DISABLED, AuditAction.CONNECTION_ENABLED]


def test_delete_with_yes_asks_nothing(make_connection, monkeypatch):
    make_connection("xinyue", name="X")

    def no_questions(prompt: str = "") -> str:
        raise AssertionError("asked although --yes was given")

    monkeypatch.setattr("builtins.input", no_questions)
    assert "Deleted connection “X”." in run("delete", "X", "--yes")
    assert not VendorConnection.objects.exists()
    assert AuditEntry.objects.get(action=AuditAction.CONNECTION_DELETED).target == "X"


def test_delete_asks_and_a_no_keeps_it(make_connection, monkeypatch):
    make_connection("xinyue", name="X")
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt="": prompts.append(prompt) or "n")
    assert "Nothing deleted." in run("delete", "X")
    assert "cannot be undone" in prompts[0]
    assert VendorConnection.objects.exists()
    monkeypatch.setattr("builtins.input", lambda prompt="": "yes")
    run("delete", "X")
    assert not VendorConnection.objects.exists()


def test_delete_without_a_terminal_and_without_yes_refuses(make_connection, monkeypatch):
    make_connection("xinyue", name="X")

    def end_of_input(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", end_of_input)
    assert "Add --yes to delete." in command_error("delete", "X")
    assert VendorConnection.objects.exists()
    assert not AuditEntry.objects.exists()


# --- from a real shell ------------------------------------------------------------------------------


def test_from_the_shell_bad_input_is_one_line_on_stderr_and_a_non_zero_exit(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        # Never the developer's database: the command fails before it needs one anyway.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    for args in (
        ["connection", "add", "--vendor", "paypal", "--name", "P"],
        ["connection", "add", "--vendor", "kingdee", "--name", "K", "--credentials-file", str(tmp_path / "no.json")],
    ):
        finished = subprocess.run(
            [sys.executable, str(manage), *args], capture_output=True, text=True, env=environment, timeout=60
        )
        assert finished.returncode != 0
        assert "Traceback" not in finished.stderr
        assert finished.stderr.strip().count("\n") == 0, finished.stderr
        assert finished.stderr.startswith("CommandError: ")
