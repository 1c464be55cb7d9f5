"""Fixtures of the export tests: vendor HTTP faked with `responses`, huey in immediate mode (tests/settings.py), and
helpers that open the files the way a user's spreadsheet would."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import openpyxl
import pytest
import responses

from tests.ledger.conftest import KINGDEE, XIAOE


@pytest.fixture
def vendor_http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch, settings):
    """Retries without waiting, and one page at a time so that replies registered in order are used in order."""
    from exports import runner
    from vendors import http

    monkeypatch.setattr(http, "pause", lambda seconds: None)
    monkeypatch.setattr(runner, "pause", lambda seconds, stop: stop.is_set())
    settings.EXPORT_JOB_CONCURRENCY = 1
    # The button's wait for a quick job: the job runs at once here (immediate mode), or after the request.
    settings.EXPORT_QUICK_SECONDS = 0


@pytest.fixture
def kingdee_connection(make_connection):
    return make_connection("kingdee", base_url=KINGDEE, name="精斗云·上海旗舰店")


@pytest.fixture
def xiaoe_connection(make_connection):
    return make_connection("xiaoe", base_url=XIAOE, name="小鹅通 店铺")


def xlsx_rows(content: bytes) -> dict[str, list[list[object]]]:
    """Every sheet's rows as openpyxl reads them (cell values, None for an empty cell)."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=False)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def xlsx_workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def make_user_client(db):
    """make_user_client("manager2", "Manager"): a logged-in client of a new user in that role."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from pointsadmin import roles
    from tests.conftest import PASSWORD

    def make(username: str, role: str) -> Client:
        user = User.objects.create_user(username=username, password=PASSWORD)
        roles.ensure_roles()
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        return client

    return make
