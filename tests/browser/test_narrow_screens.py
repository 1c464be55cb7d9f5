"""Every page at 390 px (a phone): nothing wider than the screen, the navigation behind a menu button, the
filters folded behind one line saying what is applied."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sandbox.demo import DEMO_CONNECTIONS, DEMO_IDENTIFIERS
from tests.browser.conftest import log_in

PHONE = 390
MOBILE = DEMO_IDENTIFIERS["shared_mobile"]


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.fixture
def demo_connections(fresh_sandbox, make_connection):
    return [
        make_connection(
            demo["vendor"], base_url=fresh_sandbox.base_url, name=demo["name"], credentials=dict(demo["credentials"])
        )
        for demo in DEMO_CONNECTIONS
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_is_wider_than_a_phone(live_server, admin_user, demo_connections, new_page, language):
    page = new_page(language, width=PHONE, height=844)
    page.goto(f"{live_server.url}/accounts/login/")
    too_wide = {"login": overflow(page)}
    log_in(page, live_server.url, "admin")

    page.goto(f"{live_server.url}/members/?q={MOBILE}")
    expect(page.locator("a[href*='/members/']").nth(1)).to_be_visible()
    member_page = page.locator("main a[href^='/members/'][href$='/']").first.get_attribute("href")
    kingdee = next(c for c in demo_connections if c.vendor == "kingdee")
    pages = {
        "lookup": f"/members/?q={MOBILE}",
        "member page": member_page,
        "rankings": "/balances/",
        "shop ledger": f"/ledger/?connection={kingdee.pk}",
        "connections": "/connections/",
        "connection form": f"/connections/{kingdee.pk}/edit/",
        "new connection": "/connections/new/xiaoe/",
        "audit log": "/audit/",
        "users": "/users/",
        "not found": "/no-such-page/",
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        too_wide[name] = overflow(page)
    assert {name: pixels for name, pixels in too_wide.items() if pixels > 0} == {}


def test_the_navigation_opens_from_a_menu_button(live_server, admin_user, demo_connections, new_page):
    page = new_page("en", width=PHONE, height=844)
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/audit/")
    audit_link = page.locator("nav.topnav").get_by_role("link", name="Audit log")
    expect(audit_link).to_be_hidden()
    # The whole top bar fits in a compact strip: brand and menu button, then the search box.
    assert page.locator("header.topbar").bounding_box()["height"] < 110
    page.locator("summary.nav-toggle").click()
    expect(audit_link).to_be_visible()
    page.keyboard.press("Escape")
    expect(audit_link).to_be_hidden()


def test_the_filters_fold_behind_what_is_applied(live_server, admin_user, demo_connections, new_page):
    page = new_page("en", width=PHONE, height=844)
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/audit/?action=member_lookup")
    action = page.locator("select[name=action]")
    expect(action).to_be_hidden()
    expect(page.locator(".filter-fold > summary")).to_contain_text("Action: Member lookup")
    page.locator(".filter-fold > summary").click()
    expect(action).to_be_visible()


def test_on_a_wide_screen_navigation_and_filters_are_laid_out_open(live_server, admin_user, demo_connections, new_page):
    page = new_page("en", width=1280)
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/audit/")
    expect(page.locator("nav.topnav").get_by_role("link", name="Audit log")).to_be_visible()
    expect(page.locator("summary.nav-toggle")).to_be_hidden()
    expect(page.locator("select[name=action]")).to_be_visible()
    expect(page.locator(".filter-fold > summary")).to_be_hidden()
