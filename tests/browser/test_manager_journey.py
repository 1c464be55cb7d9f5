"""Journey 2: a manager opens the rankings, sorts by available points (highest first), pages, and exports
CSV (a background job, quick enough to lead straight to the file); the file has every row and opens as UTF-8 with
Chinese intact."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

HEADER = {"zh-hans": "可用积分", "en": "Available"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_manager_sorts_pages_and_exports_the_rankings(
    live_server, manager_user, fresh_sandbox, new_page, make_connection, language
):
    make_connection("xiaoe", base_url=fresh_sandbox.base_url)
    members = len(fresh_sandbox.state.datasets["xiaoe"].members)
    page = new_page(language)
    log_in(page, live_server.url, "manager")

    page.goto(f"{live_server.url}/balances/")
    page.select_option("select[name=sort]", "available")
    page.select_option("select[name=order]", "desc")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"sort=available"))
    expect(page.locator("#rankings-table")).to_contain_text(f"{members:,}" if language == "en" else str(members))

    available_column = next(
        index for index, text in enumerate(page.locator("#rankings-table thead th").all_inner_texts())
        if text.strip() == HEADER[language]
    )  # fmt: skip

    def column() -> list[Decimal]:
        cells = page.locator(f"#rankings-table tbody tr td:nth-child({available_column + 1})").all_inner_texts()
        return [Decimal(cell.replace(",", "")) for cell in cells]

    first = column()
    assert first == sorted(first, reverse=True)
    page.locator("#rankings-table a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    second = column()
    assert second
    assert max(second) <= min(first)

    with page.expect_download() as download_info:
        page.locator("form.export-form button[value=csv]").click()  # a small export goes straight to the file
    raw = download_info.value.path().read_bytes() if download_info.value.path() else b""
    assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert HEADER[language] in rows[0]
    assert len(rows) - 1 == members
    exported = [Decimal(row[rows[0].index(HEADER[language])]) for row in rows[1:]]
    assert exported == sorted(exported, reverse=True)
