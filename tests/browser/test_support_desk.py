"""The support desk in a browser (issue 16): log in, type a mobile in the focused box, see the hits first and the
misses in one line, open the member page and come Back to a page that fills itself again."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from sandbox.demo import DEMO_CONNECTIONS, DEMO_IDENTIFIERS
from tests.browser.conftest import log_in

MOBILE = DEMO_IDENTIFIERS["shared_mobile"]
HANGZHOU = next(c for c in DEMO_CONNECTIONS if c["dataset"] == "kingdee-hz")
SHOTS = os.environ.get("SCREENSHOT_DIR", "")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_mobile_shows_the_hits_first_opens_the_member_and_comes_back(
    live_server, manager_user, fresh_sandbox, new_page, make_connection, language, width
):
    xinyue = make_connection("xinyue", base_url=fresh_sandbox.base_url, name="心悦俱乐部")
    xiaoe = make_connection("xiaoe", base_url=fresh_sandbox.base_url, name="小鹅通·知识店铺")
    shanghai = make_connection("kingdee", base_url=fresh_sandbox.base_url, name="精斗云·上海旗舰店")
    hangzhou = make_connection(
        "kingdee", base_url=fresh_sandbox.base_url, name="精斗云·杭州分店", credentials=dict(HANGZHOU["credentials"])
    )
    page = new_page(language, width=width)
    # A manager: the role that may reveal a mobile (audited).
    log_in(page, live_server.url, "manager")

    # Logging in lands on the lookup page, its one search box focused.
    box = page.locator("#member-search-q")
    expect(box).to_be_focused()
    expect(page.locator("#global-search")).to_have_count(0)
    page.keyboard.type(MOBILE)
    page.keyboard.press("Enter")

    found = page.locator("#lookup-found > section.member-panel")
    expect(found).to_have_count(3, timeout=15_000)
    expect(page.locator("#lookup-pending > section")).to_have_count(0)
    ids = {found.nth(i).get_attribute("id") for i in range(3)}
    assert ids == {f"panel-{c.pk}" for c in (xiaoe, shanghai, hangzhou)}
    for i in range(3):
        expect(found.nth(i)).to_contain_text("张伟")
        expect(found.nth(i)).to_contain_text("138****1111")
    # The hits are above everything else; Xinyue says in one line why it was not asked.
    expect(page.locator(".not-asked")).to_contain_text(
        "心悦俱乐部只能按 openid 查询" if language == "zh-hans" else "心悦俱乐部 can only search by openid"
    )
    assert found.first.bounding_box()["y"] < page.locator(".not-asked").bounding_box()["y"]
    expect(page.locator("#lookup-missing")).to_be_hidden()  # nobody missed
    assert page.locator(f"#panel-{xinyue.pk}").count() == 0
    lookup_url = page.url
    shot(page, f"desk-{language}-{width}-hits")

    # The Xiaoe member page: found through xe.user.info.get, by the vendor's own id, never the mobile.
    page.locator(f"#panel-{xiaoe.pk} a.button").click()
    page.wait_for_url(re.compile(rf"/members/{xiaoe.pk}/u_demo_\w+/"))
    assert MOBILE not in page.url
    expect(page.locator("#history-table table.transactions tbody tr").first).to_be_visible()

    # Change the period: the history is swapped in place and the address follows. On a phone the filters are
    # folded behind a summary line first.
    if width < 641:
        page.locator(".filter-fold > summary").click()
    page.select_option("select[name=period]", "7d")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"period=7d"))
    expect(page.locator("select[name=period]")).to_have_value("7d")
    expect(page.locator("#history-table")).to_be_visible()

    # The mobile is masked until revealed.
    balance = page.locator(".balance-card")
    expect(balance).to_contain_text("138****1111")
    assert MOBILE not in balance.inner_text()
    balance.locator(".reveal-form button").click()
    expect(balance).to_contain_text(MOBILE)
    shot(page, f"desk-{language}-{width}-member")

    # Back (twice: the period change pushed its own entry) to the lookup page, which fills itself again. The
    # browser's Back as the user presses it: htmx restores its pushed entries without a load event to wait for.
    member_url = page.url.split("?")[0]
    page.evaluate("() => { setTimeout(() => history.back(), 0); }")
    expect(page).to_have_url(member_url)
    expect(page.locator("select[name=period]")).to_have_value("30d")  # the member page's default period
    page.wait_for_load_state("networkidle")
    page.evaluate("() => { setTimeout(() => history.back(), 0); }")
    expect(page).to_have_url(lookup_url)
    expect(page.locator("#member-search-q")).to_have_value(MOBILE)
    expect(page.locator("#lookup-found > section.member-panel")).to_have_count(3, timeout=15_000)
    shot(page, f"desk-{language}-{width}-back")


def test_an_openid_puts_its_one_hit_first_and_the_others_in_one_quiet_line(
    live_server, support_user, fresh_sandbox, new_page, make_connection
):
    xinyue = make_connection("xinyue", base_url=fresh_sandbox.base_url, name="心悦俱乐部")
    make_connection("kingdee", base_url=fresh_sandbox.base_url, name="精斗云·上海旗舰店")
    # The slow vendor answers last, and is not in the way meanwhile.
    fresh_sandbox.set_knobs("kingdee", latency_ms=800)
    page = new_page("zh-hans", width=390)
    log_in(page, live_server.url, "support")
    page.goto(f"{live_server.url}/members/?q={DEMO_IDENTIFIERS['xinyue_openid']}")
    expect(page.locator("#lookup-found > section.member-panel")).to_have_count(1)
    expect(page.locator(f"#lookup-found > #panel-{xinyue.pk}")).to_be_visible()
    expect(page.locator("#lookup-missing")).to_contain_text("精斗云·上海旗舰店", timeout=15_000)
    assert page.locator("#lookup-missing").inner_text() == "未找到：精斗云·上海旗舰店"  # noqa: RUF001
    shot(page, "desk-openid-390")
    fresh_sandbox.set_knobs("kingdee", latency_ms=0)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_copy_buttons_put_the_id_on_the_clipboard_also_after_a_swap(
    live_server, support_user, fresh_sandbox, new_page, make_connection, language
):
    shanghai = make_connection("kingdee", base_url=fresh_sandbox.base_url, name="精斗云·上海旗舰店")
    page = new_page(language)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, live_server.url, "support")
    member_id = DEMO_IDENTIFIERS["kingdee_member_id"]
    page.goto(f"{live_server.url}/members/{shanghai.pk}/{member_id}/")
    copied = "已复制" if language == "zh-hans" else "Copied"

    heading_button = page.locator("h1 .copy-button")
    expect(heading_button).to_have_text("复制" if language == "zh-hans" else "Copy")
    heading_button.click()
    expect(heading_button).to_have_text(copied)
    assert page.evaluate("navigator.clipboard.readText()") == member_id

    # The next page of the history, swapped in by htmx, gets its buttons too.
    page.locator("#history-table .pagination a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    first_row = page.locator("#history-table table.transactions tbody tr").first
    record_id = first_row.locator(".record-id").inner_text()
    first_row.locator(".copy-button").click()
    expect(first_row.locator(".copy-button")).to_have_text(copied)
    assert page.evaluate("navigator.clipboard.readText()") == record_id
    assert page.locator(".copy-button").count() == page.locator("[data-copy]").count()
