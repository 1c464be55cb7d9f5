"""The vendor-account pages on a 390 px phone (issue 18, item 4): nothing wider than the screen, every
button reachable without scrolling sideways, account names not broken in the middle of a word."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, LANGUAGES, log_in

pytestmark = pytest.mark.browser

NAMES = ["精斗云·上海旗舰店", "精斗云·杭州分店", "小鹅通·知识店铺", "心悦俱乐部"]
WIDTH = 390


def in_a_phone(language: str, check: Callable[[Page], None]) -> None:
    """Run `check` on a 390 px page of our own Chromium.

    In a thread of its own: tests/browser keeps one Playwright (and its event loop) open in the main thread
    for the whole session, and a second sync Playwright cannot start beside it there."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                context = browser.new_context(
                    viewport={"width": WIDTH, "height": 844},
                    locale="zh-CN" if language == "zh-hans" else "en-US",
                    extra_http_headers={"Accept-Language": language},
                )
                context.set_default_timeout(15_000)
                check(context.new_page())
                browser.close()
        except BaseException as error:  # noqa: BLE001 - handed to the test's own thread
            failure.append(error)

    thread = threading.Thread(target=run, name="narrow-screen")
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the browser did not finish"
    if failure:
        raise failure[0]


@pytest.fixture
def accounts(make_connection) -> list[Any]:
    vendors = ["kingdee", "kingdee", "xiaoe", "xinyue"]
    made = [make_connection(vendor, name=name) for vendor, name in zip(vendors, NAMES, strict=True)]
    made[1].last_test_ok = False  # a failing one, marked in the list
    made[1].save()
    return made


def _overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_fits_and_every_button_is_reachable(live_server, admin_user, accounts, language):
    def check(page: Page) -> None:
        log_in(page, live_server.url, "admin")
        page.goto(f"{live_server.url}/connections/")
        assert _overflow(page) <= 0
        controls = page.locator(".connections-table button, .connections-table a.button")
        assert controls.count() == 4 * len(accounts)
        for index in range(controls.count()):
            box = controls.nth(index).bounding_box()
            assert box is not None
            assert box["x"] >= 0, controls.nth(index).inner_text()
            assert box["x"] + box["width"] <= WIDTH, controls.nth(index).inner_text()
        for name in NAMES:
            link = page.get_by_role("link", name=name, exact=True)
            # One line: a name is not broken between its characters ("精斗/云·上/海旗/舰店").
            assert link.evaluate("element => element.getClientRects().length") == 1, name

    in_a_phone(language, check)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_form_fits(live_server, admin_user, accounts, language):
    def check(page: Page) -> None:
        log_in(page, live_server.url, "admin")
        for path in (f"/connections/{accounts[0].pk}/edit/", "/connections/new/kingdee/"):
            page.goto(f"{live_server.url}{path}")
            assert _overflow(page) <= 0, path
            box = page.locator("form.connection-form button[type=submit]").bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= WIDTH

    in_a_phone(language, check)
