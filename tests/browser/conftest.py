"""Browser journeys: Debian's Chromium driven by Playwright, against pytest-django's live server and the
vendor sandbox, both in this process. Chromium and the CJK font are installed by scripts/ensure_browser.sh
(part of `make test`); Playwright's own browser download is not used."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from sandbox.testing import SandboxHandle, running_sandbox
from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM (live server set-up, fixtures)
# refuses to run beside one unless told that this test process is single-user and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LANGUAGES = ["zh-hans", "en"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """On SQLite, a test database in a file rather than in memory: the live server answers a page's panels on
    several threads at once, each writing its audit row, and an in-memory database shared between threads
    refuses a second writer at once ("database table is locked") where a file makes it wait its turn."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = os.path.join(tempfile.gettempdir(), f"pointsadmin-browser-{os.getpid()}.sqlite3")
        database.setdefault("TEST", {})["NAME"] = name


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_browser.sh (make test does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def fresh_sandbox(sandbox: SandboxHandle) -> SandboxHandle:
    sandbox.reset()
    # Every journey starts with an empty cache, so each fetches its tokens anew: the token endpoints' own
    # limits (Kingdee about 2 a minute) are tested in tests/sandbox and tests/vendors, not tripped here.
    for vendor in ("xiaoe", "kingdee"):
        sandbox.set_knobs(vendor, token_limit=0)
    return sandbox


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    contexts = []

    def make(language: str = "zh-hans", width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN" if language == "zh-hans" else "en-US",
            extra_http_headers={"Accept-Language": language},
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"log-in as {username} failed"
