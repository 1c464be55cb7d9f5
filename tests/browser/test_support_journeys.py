"""Journeys 1 and 4: a support agent finds a member by mobile across vendors, reads and pages the history
and goes back; a vendor that times out spoils only its own panel and can be retried."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sandbox.demo import DEMO_CONNECTIONS, DEMO_IDENTIFIERS
from tests.browser.conftest import log_in

MOBILE = DEMO_IDENTIFIERS["shared_mobile"]
HANGZHOU = next(c for c in DEMO_CONNECTIONS if c["dataset"] == "kingdee-hz")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_support_finds_a_member_by_mobile_pages_the_history_and_goes_back(
    live_server, support_user, fresh_sandbox, new_page, make_connection, language
):
    shanghai = make_connection("kingdee", base_url=fresh_sandbox.base_url, name="精斗云·上海")
    hangzhou = make_connection(
        "kingdee", base_url=fresh_sandbox.base_url, name="精斗云·杭州", credentials=dict(HANGZHOU["credentials"])
    )
    page = new_page(language)
    log_in(page, live_server.url, "support")

    # The top-bar search box, focused with "/" as staff do.
    page.keyboard.press("/")
    page.keyboard.type(MOBILE)
    page.keyboard.press("Enter")
    for connection in (shanghai, hangzhou):
        panel = page.locator(f"#panel-{connection.pk}")
        expect(panel).to_contain_text("张伟", timeout=15_000)
        expect(panel.locator(".alert.error")).to_have_count(0)
    # Support sees the number typed, never a full mobile from a vendor elsewhere on the page.
    assert page.locator("main").inner_text().count(MOBILE) <= 1

    page.locator(f"#panel-{shanghai.pk} a[href*='/members/{shanghai.pk}/']").first.click()
    page.wait_for_url(re.compile(rf"/members/{shanghai.pk}/\d+/"))
    page.select_option("select[name=period]", "30d")
    page.select_option("select[name=page_size]", "10")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"period=30d"))
    # The filter swaps the table in through htmx: wait for the page of 10 rather than read the old table.
    expect(page.locator("#history-table table.transactions tbody tr")).to_have_count(10)
    first_page_rows = page.locator("#history-table table.transactions tbody tr").all_inner_texts()

    page.locator("#history-table a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator("#history-table table.transactions tbody tr").first).not_to_have_text(first_page_rows[0])

    page.go_back()
    page.wait_for_url(lambda url: "page=2" not in url and "period=30d" in url)
    expect(page.locator("#history-table table.transactions tbody tr").first).to_have_text(first_page_rows[0])
    expect(page.locator("select[name=period]")).to_have_value("30d")

    # Typing a date makes the period custom; choosing a preset again clears the dates.
    page.fill("input[name=start]", "2026-01-01")
    expect(page.locator("select[name=period]")).to_have_value("custom")
    page.select_option("select[name=period]", "7d")
    expect(page.locator("input[name=start]")).to_have_value("")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_timing_out_vendor_spoils_only_its_own_panel_and_can_be_retried(
    live_server, support_user, fresh_sandbox, new_page, make_connection, language
):
    xinyue = make_connection("xinyue", base_url=fresh_sandbox.base_url, timeout_seconds=1)
    xiaoe = make_connection("xiaoe", base_url=fresh_sandbox.base_url)
    fresh_sandbox.set_knobs("xinyue", fault="timeout", timeout_seconds=4)
    page = new_page(language)
    log_in(page, live_server.url, "support")

    # An openid: Xinyue has the member; Xiaoe is asked too (it could be a user id) and has not.
    page.fill("#member-search-q", DEMO_IDENTIFIERS["xinyue_openid"])
    page.keyboard.press("Enter")
    # Xiaoe answers first, while Xinyue is still being waited for: its name goes to the quiet "not found" line.
    expect(page.locator("#lookup-missing")).to_contain_text(xiaoe.name, timeout=10_000)
    xinyue_panel = page.locator(f"#panel-{xinyue.pk}")
    expect(xinyue_panel.locator(".alert.error")).to_be_visible(timeout=15_000)
    expect(xinyue_panel.locator(".alert.error")).to_contain_text(re.compile("超时|did not answer in time"))
    expect(page.locator(f"#panel-{xiaoe.pk}")).to_have_count(0)

    fresh_sandbox.set_knobs("xinyue", fault=None)
    xinyue_panel.get_by_role("button", name=re.compile("重试|Retry")).click()
    # Answered, the panel joins the hits above the line, without its error.
    found = page.locator(f"#lookup-found > #panel-{xinyue.pk}")
    expect(found).to_be_visible(timeout=10_000)
    expect(found.locator(".alert.error")).to_have_count(0)
    expect(page.locator(f"#panel-{xinyue.pk}")).to_have_count(1)
