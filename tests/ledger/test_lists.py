"""Rankings and shop ledger pages and their export buttons, and hostile values for every query parameter."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from tests.ledger.conftest import (
    MOBILE,
    XIAOE_BATCH_URL,
    kingdee_records,
    kingdee_token,
    record,
    record_calls,
    records_reply,
    xiaoe_balances_reply,
    xiaoe_token,
)

pytestmark = pytest.mark.django_db

RANKINGS = reverse("ledger:rankings")
LEDGER = reverse("ledger:shop_ledger")


def batch_bodies(vendor_http):
    return [json.loads(c.request.body) for c in vendor_http.calls if "info.batch" in c.request.url]


# --- rankings ----------------------------------------------------------------------------------------------------
def test_support_cannot_see_rankings_or_ledger(support_client):
    assert support_client.get(RANKINGS).status_code == 403
    assert support_client.get(LEDGER).status_code == 403
    assert support_client.post(reverse("ledger:rankings_export")).status_code == 403


def test_rankings_sends_sort_and_dates(manager_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1", "u2"], total=2))
    params = {"sort": "available", "order": "asc", "start": "2024-01-01", "end": "2024-12-31", "page_size": "50"}
    response = manager_client.get(RANKINGS, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "u1" in html
    assert "1,000" in html
    (body,) = batch_bodies(vendor_http)
    assert body["user_ids"] is None
    assert body["page"] == "1"
    assert body["page_size"] == "50"
    assert body["create_time_start"] == "2024-01-01 00:00:00"
    assert body["create_time_end"] == "2024-12-31 23:59:59"
    assert AuditEntry.objects.filter(action=AuditAction.RANKINGS_VIEW).count() == 1


def test_rankings_with_pasted_ids_pages_locally(manager_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["a", "b", "c"]))
    html = manager_client.get(RANKINGS, {"ids": "a, b\nc\uff0ca", "page_size": "10"}).content.decode()
    (body,) = batch_bodies(vendor_http)
    assert body["user_ids"] == ["a", "b", "c"]
    assert "3 members" in html


def test_too_many_ids_is_a_message(manager_client, vendor_http, xiaoe_connection):
    ids = " ".join(f"id{i}" for i in range(1001))
    html = manager_client.get(RANKINGS, {"ids": ids}).content.decode()
    assert "At most 1000 member ids" in html or "At most 1,000 member ids" in html
    assert not batch_bodies(vendor_http)


def test_a_page_past_the_last_says_so_and_leads_back_to_the_last(manager_client, vendor_http, xiaoe_connection):
    # An old link or a hand-edited URL: the filters match 45 members, page 9 of 20 rows is past the end.
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply([], total=45, last_page=3))
    html = manager_client.get(RANKINGS, {"page": "9", "page_size": "20"}).content.decode()
    assert "There is no such page: these filters give 3 pages." in html
    assert "No members match these filters." not in html
    previous = html.split('rel="prev"')[0].rsplit("<a ", 1)[1]
    assert "page=3" in previous


def test_rankings_filters_read_in_order_with_rows_per_page_last(manager_client, vendor_http, xiaoe_connection):
    import re

    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1"]))
    html = manager_client.get(RANKINGS).content.decode()
    form = html[html.index('<form class="card filters"') :]
    labels = re.findall(r"<label [^>]*>([^<]+)</label>", form[: form.index("</form>")])
    what_and_how = ["Vendor account", "Sort by", "Order", "First earned from", "First earned to", "Member ids"]
    assert labels == [*what_and_how, "Rows per page"]


def test_rankings_htmx_partial(manager_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1"]))
    response = manager_client.get(RANKINGS, HTTP_HX_REQUEST="true")
    assert response.content.decode().lstrip().startswith('<div id="rankings-table"')
    assert "HX-Request" in response["Vary"]


def _header_cells(html: str) -> int:
    return html.split("<thead>")[1].split("</thead>")[0].count("<th")


def test_rankings_leave_out_the_name_column_no_vendor_row_fills(manager_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1", "u2"], total=2))
    html = manager_client.get(RANKINGS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _header_cells(html) == 6
    assert ">Name<" not in html
    assert html.count("<td") == 2 * 6


# --- shop ledger ------------------------------------------------------------------------------------------------
def test_shop_ledger_filters_reach_the_vendor(manager_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record(member_mobile=MOBILE)]))
    params = {
        "period": "custom",
        "start": "2025-05-01",
        "end": "2025-05-02",
        "type_code": "EX",
        "member_id": "M001",
        "mobile": MOBILE,
        "page": "2",
        "page_size": "10",
    }
    response = manager_client.get(LEDGER, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert record_calls(vendor_http) == [
        {
            "member_id": "M001",
            "mobile": MOBILE,
            "integral_type": "EX",
            "start_date": "2025-05-01 00:00:00",
            "end_date": "2025-05-02 23:59:59",
            "page": "2",
            "page_size": "10",
        }
    ]
    # The mobile shown in the table is masked; the filter box echoes what was typed.
    assert "138****5678" in html
    assert AuditEntry.objects.get(action=AuditAction.SHOP_LEDGER_VIEW).target == "M001"


@pytest.mark.parametrize(
    ("rows", "columns"), [([record(member_mobile=MOBILE), record()], 8), ([record()], 7)]
)  # with the record id column
def test_shop_ledger_shows_the_mobile_column_only_when_a_row_has_one(
    manager_client, vendor_http, kingdee_connection, rows, columns
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows))
    html = manager_client.get(LEDGER, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _header_cells(html) == columns
    assert html.count("<td") == len(rows) * columns
    assert ("138****5678" in html) == (columns == 8)


def test_shop_ledger_rejects_a_bad_mobile(manager_client, vendor_http, kingdee_connection):
    html = manager_client.get(LEDGER, {"mobile": "12345"}).content.decode()
    assert "11 digits" in html
    assert not record_calls(vendor_http)


# --- hostile values -----------------------------------------------------------------------------------------------
NASTY = ["0", "-1", str(10**12), "abc", "7", "x" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "2025-13-45"]


PAGE_PARAMETERS = {
    "member_search": ["q", "connection"],
    "member_panel": ["q"],
    "member_detail": ["period", "start", "end", "type_code", "page", "page_size", "direction"],
    "member_export": ["period", "start", "end", "type_code", "page_size"],
    "rankings": ["connection", "sort", "order", "start", "end", "ids", "page", "page_size"],
    "rankings_export": ["connection", "sort", "order", "start", "end", "ids"],
    "shop_ledger": ["connection", "period", "start", "end", "type_code", "member_id", "mobile", "page", "page_size"],
    "shop_ledger_export": ["connection", "start", "end", "member_id", "mobile"],
}


def _page_url(page: str, kingdee) -> str:
    if page in ("member_detail", "member_export"):
        return reverse(f"ledger:{page}", args=[kingdee.pk, "M001"])
    if page == "member_panel":
        return reverse("ledger:member_panel", args=[kingdee.pk])
    return reverse(f"ledger:{page}")


# One case a page and parameter, so that the test runners share them (an export posted runs its job in the test).
@pytest.mark.parametrize(("page", "name"), [(page, name) for page, names in PAGE_PARAMETERS.items() for name in names])
def test_hostile_values_never_500_nor_unescaped(
    admin_client, vendor_http, kingdee_connection, xiaoe_connection, page, name, settings
):
    settings.EXPORT_QUICK_SECONDS = 0  # an export started goes to its job page at once, not after waiting on it
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record()]))
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1"]))
    url = _page_url(page, kingdee_connection)
    for value in NASTY:
        query = {name: value, "period": "custom", "start": "2025-05-01"}
        if page.endswith("_export"):  # an export button posts the page's query: a job, or the page's message
            response = admin_client.post(f"{url}?{urlencode(query)}", {"format": "xlsx"})
            assert response.status_code in (302, 400), (url, value[:20], response.status_code)
            continue
        response = admin_client.get(url, query)
        assert response.status_code in (200, 400), (url, value[:20], response.status_code)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"<script>alert(1)</script>" not in content, url


def test_reversed_dates_and_unknown_connection(admin_client, vendor_http, kingdee_connection, xiaoe_connection):
    reversed_dates = {"period": "custom", "start": "2025-05-31", "end": "2025-05-01"}
    assert "before the start date" in admin_client.get(LEDGER, reversed_dates).content.decode()
    assert (
        "before the start date"
        in admin_client.get(RANKINGS, {"start": "2025-05-31", "end": "2025-05-01"}).content.decode()
    )
    assert not vendor_http.calls
    assert admin_client.get(LEDGER, {"connection": "424242"}).status_code == 200
    assert admin_client.get(RANKINGS, {"connection": "424242"}).status_code == 200
    assert admin_client.get(reverse("ledger:member_panel", args=[424242]), {"q": "M001"}).status_code == 200
    assert admin_client.get(reverse("ledger:member_detail", args=[424242, "M001"])).status_code == 404


def test_pages_without_connections_say_so(manager_client, support_client):
    assert "No enabled connection offers balance rankings" in manager_client.get(RANKINGS).content.decode()
    assert "No enabled connection offers a shop ledger" in manager_client.get(LEDGER).content.decode()
    assert manager_client.post(reverse("ledger:shop_ledger_export")).status_code == 400
    assert "Type an openid" in support_client.get(reverse("ledger:member_search")).content.decode()


# --- the rows every transaction table shares -------------------------------------------------------------------
def _type_cells(html: str) -> list[str]:
    """The Type column of the page's transactions table."""
    table = html.split('<table class="transactions">')[1].split("</table>")[0]
    column = re.findall(r"<th[^>]*>([^<]*)</th>", table).index("Type")
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[column] for row in rows]


def test_the_panel_member_page_and_shop_ledger_show_a_type_the_same_way(
    manager_client, vendor_http, kingdee_connection
):
    kingdee_token(vendor_http)
    rows = [
        record(id="named"),
        record(id="code-only", type_name=""),
        record(id="bare", type_name="", type_number="", type_id=""),
    ]
    kingdee_records(vendor_http, records_reply(rows[:1], page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply(rows), page_size="5")
    kingdee_records(vendor_http, records_reply(rows))
    member = reverse("ledger:member_detail", args=[kingdee_connection.pk, "M001"])
    pages = {
        "panel": manager_client.get(reverse("ledger:member_panel", args=[kingdee_connection.pk]), {"q": "M001"}),
        "member page": manager_client.get(member),
        "shop ledger": manager_client.get(LEDGER),
    }
    for name, response in pages.items():
        cells = _type_cells(response.content.decode())
        # The type's name with its code beside it, or whichever of the two the vendor sent.
        assert cells[0] == '兑换 <span class="muted mono">EXCHANGE</span>', name
        assert cells[1] == "EXCHANGE", name
        assert cells[2] == "—", name


def test_vendor_text_in_the_shop_ledger_is_escaped(manager_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    row = record(member_name="<b>张三</b>", type_name='<img src=x onerror="alert(1)">', member_mobile=MOBILE)
    kingdee_records(vendor_http, records_reply([row]))
    html = manager_client.get(LEDGER).content.decode()
    assert "&lt;b&gt;张三&lt;/b&gt;" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_the_shop_ledger_masks_each_mobile_and_lets_a_manager_reveal_it(
    manager_client, vendor_http, kingdee_connection
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record(member_mobile=MOBILE)]))
    html = manager_client.get(LEDGER).content.decode()
    assert MOBILE not in html
    mobile = html.split('<span class="mobile">')[1].split("</span>\n</td>")[0]
    assert "138****5678" in mobile
    assert f'<input type="hidden" name="connection_id" value="{kingdee_connection.pk}">' in mobile
    assert '<input type="hidden" name="member_id" value="M001">' in mobile
    assert f'hx-post="{reverse("ledger:reveal_mobile")}"' in mobile
    member = reverse("ledger:member_detail", args=[kingdee_connection.pk, "M001"])
    assert f'<a class="mono" href="{member}" data-copy="M001">M001</a>' in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_shop_ledger_filters_read_in_order_with_rows_per_page_last(
    manager_client, vendor_http, kingdee_connection, language
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record()]))
    manager_client.cookies["django_language"] = language
    html = manager_client.get(LEDGER).content.decode()
    form = html[html.index('<form class="card filters"') :]
    labels = re.findall(r"<label [^>]*>([^<]+)</label>", form[: form.index("</form>")])
    expected = {
        "en": [
            "Vendor account",
            "Period",
            "From",
            "To",
            "Points type (number)",
            "Member id",
            "Mobile",
            "Rows per page",
        ],
        "zh-hans": [
            "供应商账号",
            "时间范围",
            "开始日期",
            "结束日期",
            "积分类型（编号）",  # noqa: RUF001 - Chinese brackets
            "会员 ID",
            "手机号",
            "每页条数",
        ],
    }
    assert labels == expected[language]


def test_paging_links_swap_the_table_and_keep_a_real_address(manager_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply([f"u{i}" for i in range(10)], total=45))
    html = manager_client.get(RANKINGS, {"sort": "frozen", "page_size": "10", "page": "2"}).content.decode()
    nav = html.split('<nav class="pagination"')[1].split("</nav>")[0]
    links = re.findall(r'<a class="button" href="([^"]+)" hx-get="([^"]+)" hx-target="#rankings-table"', nav)
    assert [href for href, _hx in links] == [
        "?sort=frozen&amp;page_size=10&amp;page=1",
        "?sort=frozen&amp;page_size=10&amp;page=1",
        "?sort=frozen&amp;page_size=10&amp;page=3",
        "?sort=frozen&amp;page_size=10&amp;page=5",
    ]
    assert all(href == hx for href, hx in links)
    assert nav.count('hx-push-url="true"') == 4
    assert "Page 2 of 5" in nav
    # The ranks go on from the previous page.
    assert '<td class="num">11</td>' in html


def test_a_row_without_a_type_shows_its_description_in_the_panel_and_beside_it_on_the_member_page(
    support_client, vendor_http, make_connection
):
    # Xinyue sends a description (desc) and no type: the panel, which has no description column, shows it as
    # the row's type; the member page shows it in its own column.
    base = "https://xinyue.vendor.test"
    xinyue = make_connection("xinyue", base_url=base)
    token = {"access_token": "xy-token", "expires_in": 7200, "refresh_token": "rt", "scope": "all"}
    vendor_http.post(base + "/upbot/api/auth/GetAccessToken", json={"ret": 0, "msg": "ok", "data": token})
    rows = [{"bill_type": 1, "amount": 100, "create_time": 1_748_000_000, "desc": "完成任务奖励积分"}]
    vendor_http.post(base + "/upbot/api/GetUserClubPointsList", json={"ret": 0, "msg": "", "data": {"list": rows}})
    vendor_http.post(base + "/upbot/api/GetUserClubPoints", json={"ret": 0, "msg": "", "data": {"amount": 100}})
    openid = "oXyDemo0000000000000001"

    panel = support_client.get(reverse("ledger:member_panel", args=[xinyue.pk]), {"q": openid}).content.decode()
    assert _type_cells(panel) == ["完成任务奖励积分"]
    member = support_client.get(reverse("ledger:member_detail", args=[xinyue.pk, openid])).content.decode()
    assert _type_cells(member) == ["—"]
    assert '<td class="hide-narrow">完成任务奖励积分</td>' in member


def test_a_field_that_is_too_long_is_named_in_our_own_words(manager_client, kingdee_connection):
    response = manager_client.get(reverse("ledger:shop_ledger"), {"member_id": "M" * 80})
    html = response.content.decode()
    assert "Member id: at most 64 characters (this has 80)." in html
    assert "Ensure this value" not in html


def test_in_chinese_too(manager_client, kingdee_connection):
    manager_client.cookies["django_language"] = "zh-hans"
    html = manager_client.get(reverse("ledger:shop_ledger"), {"member_id": "M" * 80}).content.decode()
    assert "会员 ID：最多 64 个字符（当前 80 个）。" in html  # noqa: RUF001 - Chinese punctuation
    assert "确保该变量" not in html
