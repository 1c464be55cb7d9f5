"""Member lookup and member page: roles, the vendor request sent per filter, panels, htmx partials, masking,
audit rows, the chart, the export button."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from audit.records import audit_record
from tests.ledger.conftest import (
    MOBILE,
    kingdee_records,
    kingdee_token,
    record,
    record_calls,
    records_reply,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("ledger:member_search")


def detail_url(connection, member_id="M001"):
    return reverse("ledger:member_detail", args=[connection.pk, member_id])


def fake_member(vendor_http, rows=None, count=None):
    kingdee_token(vendor_http)
    rows = (
        rows
        if rows is not None
        else [
            record(id="r2", create_time="2025-05-21 09:00:00", integral="530", last_integral="480", occur="50"),
            record(),
        ]
    )
    kingdee_records(vendor_http, records_reply(rows[:1], count=len(rows), page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply(rows, count=count, page_size=20))


# --- roles ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "ledger:member_search",
        "ledger:rankings",
        "ledger:shop_ledger",
        "ledger:rankings_export",
        "ledger:shop_ledger_export",
    ],
)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_anonymous_member_page_is_sent_to_login(client, kingdee_connection):
    response = client.get(detail_url(kingdee_connection))
    assert response.status_code == 302


def test_no_role_gets_403(nobody_user, client, kingdee_connection):
    client.force_login(nobody_user)
    assert client.get(SEARCH, {"q": "M001"}).status_code == 403
    assert client.get(detail_url(kingdee_connection)).status_code == 403


def test_support_may_not_export(support_client, kingdee_connection):
    url = reverse("ledger:member_export", args=[kingdee_connection.pk, "M001"])
    assert support_client.post(url).status_code == 403


# --- lookup --------------------------------------------------------------------------------------------------
def test_search_without_js_renders_panels_and_audits_once(support_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    response = support_client.get(SEARCH, {"q": " M001 ", "all": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "精斗云 门店" in html
    assert "530" in html  # the balance from the newest record
    assert "+50" in html
    assert "change-add" in html
    assert detail_url(kingdee_connection) in html
    assert response.context["search_query"] == " M001 "
    entries = AuditEntry.objects.filter(action=AuditAction.MEMBER_LOOKUP)
    assert [e.target for e in entries] == ["M001"]
    assert "HX-Request" in response["Vary"]


def test_search_with_htmx_returns_lazy_panels(support_client, vendor_http, kingdee_connection):
    response = support_client.get(SEARCH, {"q": "M001"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'hx-trigger="load"' in html
    assert reverse("ledger:member_panel", args=[kingdee_connection.pk]) in html
    assert "spinner" in html
    assert not record_calls(vendor_http)  # nothing asked of the vendor yet
    assert AuditEntry.objects.filter(action=AuditAction.MEMBER_LOOKUP).count() == 1


def test_history_restore_gets_the_full_page(support_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    response = support_client.get(SEARCH, {"q": "M001"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_panel_audits_what_it_showed(support_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    url = reverse("ledger:member_panel", args=[kingdee_connection.pk])
    response = support_client.get(url, {"q": "M001"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "530" in response.content.decode()
    # Loaded on its own (with JavaScript), the panel is what shows the member: it writes its own row.
    assert not AuditEntry.objects.filter(action=AuditAction.MEMBER_LOOKUP).exists()
    entry = AuditEntry.objects.get(action=AuditAction.MEMBER_PANEL_VIEW)
    assert (entry.target, entry.connection_id) == ("M001", kingdee_connection.pk)


def test_a_kingdee_panel_is_one_call_its_newest_row_giving_the_balance(support_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    url = reverse("ledger:member_panel", args=[kingdee_connection.pk])
    html = support_client.get(url, {"q": "M001"}, HTTP_HX_REQUEST="true").content.decode()
    assert [call["page_size"] for call in record_calls(vendor_http)] == ["5"]
    assert "530" in html
    assert "+50" in html


def test_failing_vendor_degrades_only_its_panel(support_client, vendor_http, make_connection, kingdee_connection):
    broken = make_connection("kingdee", base_url="https://broken.vendor.test", name="broken shop")
    fake_member(vendor_http)
    vendor_http.get("https://broken.vendor.test/jdyconnector/app_management/kingdee_auth_token", status=503)
    response = support_client.get(SEARCH, {"q": "M001", "all": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "530" in html  # the working vendor
    assert "Kingdee JDY is having trouble right now. Try again in a moment." in html
    assert reverse("ledger:member_panel", args=[broken.pk]) in html  # the Retry button


def test_panel_error_is_status_200(support_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, {"errcode": 1001, "description": "参数错误 <b>", "data": None})
    url = reverse("ledger:member_panel", args=[kingdee_connection.pk])
    response = support_client.get(url, {"q": "M001"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "参数错误 &lt;b&gt;" in html
    assert "Retry" in html


def test_not_found_at_vendor(support_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([], page_size=1))
    html = support_client.get(SEARCH, {"q": "NOBODY", "all": "1"}).content.decode()
    missing = re.search(r'<p class="muted lookup-missing".*?</p>', html, re.S).group(0)
    assert "Not found:" in missing
    assert "精斗云 门店" in missing
    assert 'class="card member-panel' not in html  # no card saying "not found"


def test_mobile_lookup_links_by_member_id_and_masks(support_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    row = record(member_mobile=MOBILE)
    kingdee_records(vendor_http, records_reply([row], page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply([row]))
    response = support_client.get(SEARCH, {"q": MOBILE, "all": "1"})
    html = response.content.decode()
    assert detail_url(kingdee_connection, "M001") in html
    assert "138****5678" in html
    # The only full mobile is the echo of what was typed (search boxes, the language switch's return path).
    assert html.count(MOBILE) == len(re.findall(rf'value="[^"]*{MOBILE}[^"]*"', html))
    assert "reveal" not in html  # support cannot reveal
    assert {"mobile": MOBILE}.items() <= record_calls(vendor_http)[0].items()
    assert AuditEntry.objects.get(action=AuditAction.MEMBER_LOOKUP).target == "138****5678"


def test_narrowing_to_one_connection(support_client, vendor_http, make_connection, kingdee_connection):
    other = make_connection("kingdee", base_url="https://other.vendor.test", name="other shop")
    fake_member(vendor_http)
    html = support_client.get(SEARCH, {"q": "M001", "connection": kingdee_connection.pk}).content.decode()
    assert "精斗云 门店" in html
    assert "other shop" not in html
    assert other.pk != kingdee_connection.pk


def test_a_mobile_search_says_in_one_line_that_xinyue_finds_members_by_openid_only(
    support_client, vendor_http, kingdee_connection, make_connection
):
    make_connection("xinyue", base_url="https://xinyue.vendor.test", name="心悦俱乐部")
    kingdee_token(vendor_http)
    row = record(member_mobile=MOBILE)
    kingdee_records(vendor_http, records_reply([row], page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply([row]))
    html = support_client.get(SEARCH, {"q": MOBILE, "all": "1"}).content.decode()
    assert "精斗云 门店" in html
    not_asked = re.findall(r'<p class="muted not-asked">(.*?)</p>', html, re.S)
    # Xinyue knows openids, not mobiles: the agent is told, rather than left to think "not a member there".
    assert [" ".join(line.split()) for line in not_asked] == ["心悦俱乐部 can only search by openid."]
    assert "alert" not in " ".join(not_asked)  # not an error

    zh = support_client.get(SEARCH, {"q": MOBILE, "all": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "心悦俱乐部只能按 openid 查询。" in zh


def test_the_chinese_lookup_page_spaces_latin_words_from_chinese_ones(
    support_client, make_connection, vendor_http, kingdee_connection, xiaoe_connection
):
    make_connection("xinyue", base_url="https://xinyue.example.com", name="心悦 俱乐部")
    kingdee_token(vendor_http)
    row = record(member_mobile=MOBILE)
    kingdee_records(vendor_http, records_reply([row], page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply([row]))
    zh = support_client.get(SEARCH, {"q": MOBILE}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "心悦 俱乐部只能按 openid 查询。" in zh
    assert "按openid" not in zh


def test_a_search_no_connection_can_do_names_every_connection_and_what_it_needs(
    support_client, vendor_http, kingdee_connection, xiaoe_connection
):
    html = " ".join(support_client.get(SEARCH, {"q": "张伟"}).content.decode().split())
    assert "No enabled connection can look this identifier up." in html
    assert "精斗云 门店 can only search by member id or mobile number." in html
    assert "小鹅通 店铺 can only search by user id or mobile number." in html
    assert not vendor_http.calls


def test_a_search_narrowed_to_one_connection_names_no_other(
    support_client, vendor_http, kingdee_connection, xiaoe_connection
):
    fake_member(vendor_http)
    html = support_client.get(SEARCH, {"q": "M001", "connection": kingdee_connection.pk}).content.decode()
    assert "not-asked" not in html


# --- the member page -------------------------------------------------------------------------------------------
def test_member_page_shows_history_in_shanghai_time_and_audits(support_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    response = support_client.get(detail_url(kingdee_connection))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2025-05-21 09:00:00" in html
    assert "-20" in html
    assert "change-subtract" in html
    assert "兑换" in html
    assert "<svg" in html
    assert "points-chart" in html
    assert AuditEntry.objects.filter(action=AuditAction.MEMBER_VIEW, target="M001").count() == 1
    assert '<details class="raw">' not in html  # raw rows are for admins


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_member_page_filters_read_in_order_with_rows_per_page_last(
    support_client, vendor_http, kingdee_connection, language
):
    fake_member(vendor_http)
    support_client.cookies["django_language"] = language
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    form = html[html.index('<form class="card filters"') :]
    labels = re.findall(r"<label [^>]*>([^<]+)</label>", form[: form.index("</form>")])
    expected = {
        "en": ["Period", "From", "To", "Points type (number)", "Rows per page"],
        "zh-hans": ["时间范围", "开始日期", "结束日期", "积分类型（编号）", "每页条数"],  # noqa: RUF001 - Chinese brackets
    }
    assert labels == expected[language]


def test_first_page_is_one_kingdee_call_whose_newest_row_is_the_balance(
    support_client, vendor_http, kingdee_connection
):
    fake_member(vendor_http)
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    assert [call["page_size"] for call in record_calls(vendor_http)] == ["20"]
    balance_card = html.split('class="card balance-card"')[1].split("</section>")[0]
    assert "530" in balance_card  # integral (balance after) of the newest row on the page


def test_a_connection_disabled_by_an_admin_is_gone_from_the_next_page(
    support_client, admin_client, vendor_http, kingdee_connection
):
    fake_member(vendor_http)
    assert support_client.get(detail_url(kingdee_connection)).status_code == 200
    toggle = reverse("connections:toggle", args=[kingdee_connection.pk])
    assert admin_client.post(toggle, {"enabled": "0"}).status_code == 302
    assert support_client.get(detail_url(kingdee_connection)).status_code == 404
    admin_client.post(toggle, {"enabled": "1"})
    assert support_client.get(detail_url(kingdee_connection)).status_code == 200


def test_a_connection_edited_by_an_admin_is_called_at_its_new_address(
    support_client, admin_client, vendor_http, kingdee_connection
):
    fake_member(vendor_http)
    support_client.get(detail_url(kingdee_connection))
    kingdee_connection.base_url = "https://kingdee.example.test"
    kingdee_connection.save()
    vendor_http.calls.reset()
    support_client.get(detail_url(kingdee_connection))
    assert vendor_http.calls, "the page called no vendor"
    assert all(call.request.url.startswith("https://kingdee.example.test/") for call in vendor_http.calls)


@pytest.mark.parametrize(
    "params",
    [{"page": "2"}, {"type_code": "EXCHANGE"}, {"period": "custom", "start": "2025-05-01", "end": "2025-05-31"}],
)
def test_a_page_that_may_not_start_with_the_newest_record_asks_for_the_balance(
    support_client, vendor_http, kingdee_connection, params
):
    fake_member(vendor_http)
    html = support_client.get(detail_url(kingdee_connection), params).content.decode()
    assert sorted(call["page_size"] for call in record_calls(vendor_http)) == ["1", "20"]
    balance_card = html.split('class="card balance-card"')[1].split("</section>")[0]
    assert "530" in balance_card


def test_member_quiet_in_the_period_still_shows_the_balance(support_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    newest = record(id="old", create_time="2024-01-02 10:00:00", integral="777", last_integral="700", occur="77")
    kingdee_records(vendor_http, records_reply([newest], page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply([], count=0), page_size="20")
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    balance_card = html.split('class="card balance-card"')[1].split("</section>")[0]
    assert "777" in balance_card
    assert "No points records for these filters." in html
    # Nothing to draw: no empty chart, and no caption about how its balances were worked out.
    assert "points-chart" not in html
    assert "No points to chart" not in html


def test_a_failing_first_page_explains_itself_in_both_cards(support_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    reply = {"errcode": 2000002000, "description": "system error", "data": None}
    kingdee_records(vendor_http, reply, page_size="20")
    response = support_client.get(detail_url(kingdee_connection))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="alert error"') == 2
    assert len(record_calls(vendor_http)) == 1  # not asked twice for the same failing endpoint


def test_a_failing_balance_leaves_the_history_on_the_page(support_client, vendor_http, xiaoe_connection):
    # Xiaoe's balance and history are two endpoints, asked at once: one failing spoils only its own card.
    from tests.ledger.conftest import XIAOE, XIAOE_BATCH_URL, xiaoe_token

    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json={"code": 50001, "msg": "余额服务繁忙", "data": None})
    row = {
        "id": 1,
        "flow_id": "f1",
        "user_id": "u1",
        "flow_type": 1,
        "flow_count": 8,
        "created_at": "2026-11-30 09:30:00",
        "remark": "签到奖励",
    }
    vendor_http.post(
        XIAOE + "/xe.account.flow.list/1.0.0", json={"code": 0, "msg": "ok", "data": {"list": [row], "total": 1}}
    )
    html = support_client.get(detail_url(xiaoe_connection, "u1")).content.decode()
    balance_card = html.split('class="card balance-card"')[1].split("</section>")[0]
    assert "余额服务繁忙" in balance_card
    history = html.split('id="history-table"')[1]
    assert "签到奖励" in history
    assert 'class="alert error"' not in history


def test_admin_sees_raw_rows_masked(admin_client, vendor_http, kingdee_connection):
    fake_member(vendor_http, rows=[record(member_mobile=MOBILE)])
    html = admin_client.get(detail_url(kingdee_connection)).content.decode()
    assert '<details class="raw">' in html
    assert MOBILE not in html
    assert "138****5678" in html


def test_the_raw_view_cuts_long_vendor_text(admin_client, vendor_http, kingdee_connection):
    # The row is kept whole from the vendor; the page shows at most 500 characters of any text in it.
    fake_member(vendor_http, rows=[record(remark="长" * 20_000, extra={"nested": ["短", "字" * 20_000]})])
    html = admin_client.get(detail_url(kingdee_connection)).content.decode()
    raw = html.split('<details class="raw">')[1].split("</details>")[0]
    assert "长" * 499 + "…" in raw
    assert "长" * 500 not in raw
    assert "字" * 499 + "…" in raw
    assert "字" * 500 not in raw
    assert "短" in raw


def test_dates_without_a_period_are_the_period_asked_for(manager_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    html = manager_client.get(detail_url(kingdee_connection), {"start": "2025-05-01", "end": "2025-05-31"}).content
    history_calls = [c for c in record_calls(vendor_http) if c.get("page_size") != "1"]
    assert history_calls[0]["start_date"] == "2025-05-01 00:00:00"
    assert history_calls[0]["end_date"] == "2025-05-31 23:59:59"
    assert '<option value="custom" selected>' in html.decode()


def test_a_preset_period_sent_with_dates_wins_and_the_dates_are_cleared(
    manager_client, vendor_http, kingdee_connection
):
    fake_member(vendor_http)
    html = manager_client.get(detail_url(kingdee_connection), {"period": "7d", "start": "2025-05-01"}).content
    form = html.decode().split('<form class="card filters"')[1].split("</form>")[0]
    assert "2025-05-01" not in form  # the page does not show a date it did not apply
    assert '<option value="7d" selected>' in form


def test_filters_reach_the_vendor(manager_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    params = {
        "period": "custom",
        "start": "2025-05-01",
        "end": "2025-05-31",
        "type_code": "EXCHANGE",
        "page": "3",
        "page_size": "50",
    }
    response = manager_client.get(detail_url(kingdee_connection), params)
    assert response.status_code == 200
    history_calls = [c for c in record_calls(vendor_http) if c.get("page_size") != "1"]
    assert history_calls == [
        {
            "member_id": "M001",
            "integral_type": "EXCHANGE",
            "start_date": "2025-05-01 00:00:00",
            "end_date": "2025-05-31 23:59:59",
            "page": "3",
            "page_size": "50",
        }
    ]


@pytest.mark.parametrize(("page", "sent"), [("0", "1"), ("-1", "1"), ("abc", "1"), (str(10**12), "10000"), ("2", "2")])
def test_page_is_clamped(support_client, vendor_http, kingdee_connection, page, sent):
    fake_member(vendor_http)
    support_client.get(detail_url(kingdee_connection), {"page": page, "page_size": "7"})
    history_calls = [c for c in record_calls(vendor_http) if c.get("page_size") != "1"]
    assert history_calls[0]["page"] == sent
    assert history_calls[0]["page_size"] == "20"


def test_reversed_dates_make_no_vendor_history_call(support_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    response = support_client.get(
        detail_url(kingdee_connection), {"period": "custom", "start": "2025-05-31", "end": "2025-05-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date" in response.content.decode()
    assert all(c.get("page_size") == "1" for c in record_calls(vendor_http))
    # The view is audited, without a history page that was never asked for.
    assert AuditEntry.objects.get(action=AuditAction.MEMBER_VIEW).details == {}


def test_range_beyond_vendor_limit(support_client, vendor_http, xiaoe_connection):
    from tests.ledger.conftest import XIAOE_BATCH_URL, xiaoe_balances_reply, xiaoe_token

    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1"]))
    response = support_client.get(
        detail_url(xiaoe_connection, "u1"), {"period": "custom", "start": "2023-01-01", "end": "2025-01-01"}
    )
    html = response.content.decode()
    assert "at most 366 days" in html
    assert not [c for c in vendor_http.calls if "flow.list" in c.request.url]
    assert 'name="direction"' in html  # Xiaoe filters by direction
    assert 'name="type_code"' not in html


def test_paging_links_keep_filters(support_client, vendor_http, kingdee_connection):
    rows = [record(id=f"r{i}") for i in range(20)]
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows[:1], page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply(rows, count=95))
    html = support_client.get(detail_url(kingdee_connection), {"type_code": "X", "page": "2"}).content.decode()
    assert "type_code=X&amp;page=3" in html
    assert "type_code=X&amp;page=1" in html
    assert "type_code=X&amp;page=5" in html  # last page
    assert "Page 2 of 5" in html


def test_paging_links_carry_odd_filter_text_encoded_and_escaped(support_client, vendor_http, kingdee_connection):
    rows = [record(id=f"r{i}") for i in range(20)]
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows[:1], page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply(rows, count=95))
    odd = '"><script>alert(1)</script> 兑换&'
    html = support_client.get(detail_url(kingdee_connection), {"type_code": odd}).content.decode()
    assert "<script>alert" not in html
    assert "type_code=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E+%E5%85%91%E6%8D%A2%26&amp;page=2" in html


def test_first_page_has_no_previous_and_last_no_next(support_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    assert 'rel="prev"' not in html
    assert 'rel="next"' not in html
    assert "Page 1 of 1" in html


def test_inexact_and_unknown_totals(support_client, vendor_http, kingdee_connection):
    rows = [record(id=f"r{i}") for i in range(20)]
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows[:1], page_size=1), page_size="1")
    reply = records_reply(rows, count=95)
    reply["data"]["total_page"] = 9  # disagrees with count: not exact
    kingdee_records(vendor_http, reply)
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    assert "about 95 records" in html


def test_htmx_filter_request_gets_the_table_only(support_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    response = support_client.get(detail_url(kingdee_connection), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="history-table"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_unknown_connection_is_404(support_client):
    assert support_client.get(reverse("ledger:member_detail", args=[99999, "M001"])).status_code == 404


# --- export ------------------------------------------------------------------------------------------------------
# Exports are background jobs now: their behaviour is tested in tests/exports/.
def test_export_refuses_bad_filters(manager_client, kingdee_connection):
    url = reverse("ledger:member_export", args=[kingdee_connection.pk, "M001"])
    response = manager_client.post(url + "?period=custom&start=2025-02-01&end=2025-01-01")
    assert response.status_code == 400
    assert "before the start date" in response.content.decode()


def test_export_link_uses_static_script(manager_client, vendor_http, kingdee_connection):
    fake_member(vendor_http)
    html = manager_client.get(detail_url(kingdee_connection)).content.decode()
    assert "/static/js/ledger.js" in html
    assert 'class="button export-link"' in html


# --- reveal ------------------------------------------------------------------------------------------------------
def test_manager_sees_masked_mobile_with_reveal_button(manager_client, vendor_http, kingdee_connection):
    fake_member(vendor_http, rows=[record(member_mobile=MOBILE)])
    html = manager_client.get(detail_url(kingdee_connection)).content.decode()
    assert MOBILE not in html
    assert "138****5678" in html
    assert reverse("ledger:reveal_mobile") in html


def test_reveal_returns_the_number_and_audits(manager_client, vendor_http, kingdee_connection):
    fake_member(vendor_http, rows=[record(member_mobile=MOBILE)])
    response = manager_client.post(
        reverse("ledger:reveal_mobile"), {"connection_id": kingdee_connection.pk, "member_id": "M001"}
    )
    assert response.status_code == 200
    assert MOBILE in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.MOBILE_REVEALED)
    assert entry.target == "M001"
    assert MOBILE not in str(entry.details)


def test_support_cannot_reveal(support_client, kingdee_connection):
    response = support_client.post(
        reverse("ledger:reveal_mobile"), {"connection_id": kingdee_connection.pk, "member_id": "M001"}
    )
    assert response.status_code == 403


def test_reveal_rejects_get_and_bad_input(manager_client):
    assert manager_client.get(reverse("ledger:reveal_mobile")).status_code == 405
    response = manager_client.post(reverse("ledger:reveal_mobile"), {"connection_id": "x", "member_id": "<script>"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_the_member_page_links_admins_to_who_looked_this_member_up(
    support_client, admin_client, support_user, vendor_http, kingdee_connection
):
    fake_member(vendor_http)
    support_client.get(detail_url(kingdee_connection))
    audit_record(user=support_user, action=AuditAction.MEMBER_VIEW, target="M999", connection=kingdee_connection)
    assert "member-lookups" not in support_client.get(detail_url(kingdee_connection)).content.decode()

    html = admin_client.get(detail_url(kingdee_connection)).content.decode()
    link = re.search(r'<a class="button member-lookups" href="([^"]+)"', html)
    assert link is not None
    log = admin_client.get(link.group(1).replace("&amp;", "&"))
    page = log.content.decode()
    assert log.status_code == 200
    assert "M001" in page
    assert "M999" not in page
    assert "support" in page


def test_the_member_page_offers_the_points_types_of_the_members_records_as_choices(
    support_client, vendor_http, kingdee_connection
):
    fake_member(
        vendor_http,
        rows=[
            record(id="r1", type_name="积分兑换", type_number="101"),
            record(id="r2", type_name="签到奖励", type_number="001"),
            record(id="r3", type_name="积分兑换", type_number="101"),
        ],
    )
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    field = re.search(r'<input[^>]*name="type_code"[^>]*>', html).group(0)
    assert 'list="member-types"' in field  # still a text box: any other number may be typed
    datalist = html.split('<datalist id="member-types">')[1].split("</datalist>")[0]
    options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', datalist)
    assert options == [("001", "签到奖励"), ("101", "积分兑换")]
