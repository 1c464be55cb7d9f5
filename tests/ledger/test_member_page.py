"""The member page tells the truth: an unknown member is "not found", the chart and totals cover the period
chosen (loaded on their own when the period is more than the page), and the history shows a loading state."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from tests.ledger.conftest import (
    XIAOE,
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

XINYUE = "https://xinyue.vendor.test"
XIAOE_FLOW_URL = XIAOE + "/xe.account.flow.list/1.0.0"
NOVEMBER = {"period": "custom", "start": "2025-11-01", "end": "2025-11-30"}


def detail_url(connection, member_id="M001"):
    return reverse("ledger:member_detail", args=[connection.pk, member_id])


def summary_url(connection, member_id="M001"):
    return reverse("ledger:member_period_summary", args=[connection.pk, member_id])


def kingdee_rows(count: int) -> list[dict[str, str]]:
    """`count` rows newest first, alternately +30 and -10, each with the balance after it."""
    rows, balance = [], 1000
    for index in range(count):
        change = 30 if index % 2 == 0 else -10
        rows.append(
            record(
                id=f"r{index}",
                create_time=f"2025-05-{28 - index % 28:02d} 10:00:00",
                occur=str(abs(change)),
                integral=str(balance),
                last_integral=str(balance - change),
            )
        )
        balance -= change
    return rows


def xiaoe_flow(index: int, flow_type: int, count: int, day: int) -> dict:
    return {
        "id": index,
        "flow_id": f"f{index}",
        "user_id": "u1",
        "flow_type": flow_type,
        "flow_count": count,
        "created_at": f"2025-11-{day:02d} 09:30:00",
        "remark": "签到奖励",
    }


# --- a member that does not exist ------------------------------------------------------------------------------
def test_an_unknown_kingdee_member_is_not_found_with_the_search_box(support_client, vendor_http, kingdee_connection):
    # Kingdee has no balance endpoint: a member with no record ever is one it does not know.
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([]))
    response = support_client.get(detail_url(kingdee_connection, "NOSUCH"))
    html = response.content.decode()
    assert response.status_code == 404
    assert "Member not found" in html
    assert 'name="q"' in html
    assert reverse("ledger:member_search") in html
    assert "0 records" not in html
    assert "Export CSV" not in html
    assert AuditEntry.objects.filter(action=AuditAction.MEMBER_VIEW, target="NOSUCH").count() == 1


def test_an_unknown_xiaoe_user_is_not_found(support_client, vendor_http, xiaoe_connection):
    # Xiaoe's balance list leaves a user it does not know out; flow.list has no rows for them.
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply([]))
    vendor_http.post(XIAOE_FLOW_URL, json={"code": 0, "msg": "ok", "data": {"list": [], "total": 0}})
    response = support_client.get(detail_url(xiaoe_connection, "u_nosuch"))
    assert response.status_code == 404
    assert 'name="q"' in response.content.decode()


def test_an_unknown_xinyue_openid_is_not_found(support_client, vendor_http, make_connection):
    connection = make_connection("xinyue", base_url=XINYUE)
    vendor_http.post(
        XINYUE + "/upbot/api/auth/GetAccessToken",
        json={"ret": 0, "msg": "ok", "data": {"access_token": "xy", "expires_in": 7200}},
    )
    vendor_http.post(XINYUE + "/upbot/api/GetUserClubPoints", json={"ret": 0, "msg": "", "data": None})
    vendor_http.post(XINYUE + "/upbot/api/GetUserClubPointsList", json={"ret": 0, "msg": "", "data": None})
    response = support_client.get(detail_url(connection, "oXyNoSuch"))
    assert response.status_code == 404
    assert "oXyNoSuch" in response.content.decode()


def test_a_known_member_quiet_in_the_period_is_not_not_found(support_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1"]))
    vendor_http.post(XIAOE_FLOW_URL, json={"code": 0, "msg": "ok", "data": {"list": [], "total": 0}})
    response = support_client.get(detail_url(xiaoe_connection, "u1"))
    assert response.status_code == 200
    assert "Member not found" not in response.content.decode()


def test_a_failing_vendor_is_an_error_not_a_missing_member(support_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, {"errcode": 9999, "description": "busy"}, status=500)
    response = support_client.get(detail_url(kingdee_connection))
    assert response.status_code == 200
    assert "Member not found" not in response.content.decode()


# --- totals and chart of a period that fits the page ---------------------------------------------------------------
def test_a_period_on_one_page_shows_totals_equal_to_the_sum_of_its_rows(
    support_client, vendor_http, kingdee_connection
):
    rows = kingdee_rows(5)  # +30 -10 +30 -10 +30
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows))
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    totals = html.split('class="balance period-totals"')[1].split("</dl>")[0]
    assert re.findall(r'<dd class="num[^"]*">([^<]+)</dd>', totals) == ["+90", "20", "+70"]
    # Drawn from the rows already read: no second call, no placeholder.
    assert len(record_calls(vendor_http)) == 1
    assert 'hx-trigger="load"' not in html
    assert "<polyline" in html  # Kingdee rows carry the balance after: a balance line


def test_the_shop_ledger_shows_totals_of_a_period_it_read_whole(manager_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(kingdee_rows(3)))
    html = manager_client.get(reverse("ledger:shop_ledger")).content.decode()
    totals = html.split('class="balance period-totals"')[1].split("</dl>")[0]
    assert re.findall(r'<dd class="num[^"]*">([^<]+)</dd>', totals) == ["+60", "10", "+50"]


def test_the_shop_ledger_sends_to_the_export_for_totals_of_a_longer_period(
    manager_client, vendor_http, kingdee_connection
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(kingdee_rows(20), count=45))
    html = manager_client.get(reverse("ledger:shop_ledger")).content.decode()
    assert "period-totals" in html
    assert "its totals are in the export" in html
    assert 'class="balance period-totals"' not in html


# --- a period longer than the page -----------------------------------------------------------------------------------
def test_a_longer_period_loads_its_chart_on_its_own_without_delaying_the_page(
    support_client, vendor_http, kingdee_connection
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(kingdee_rows(20), count=45), page_size="20")
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    assert [call["page_size"] for call in record_calls(vendor_http)] == ["20"]  # the page's own call only
    placeholder = re.search(r'<div class="period-summary loading" hx-get="([^"]+)" hx-trigger="load"', html)
    assert placeholder is not None
    assert placeholder.group(1).startswith(summary_url(kingdee_connection))
    assert "<svg" not in html


def test_the_chart_covers_the_whole_period_and_totals_every_row(support_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(kingdee_rows(45), page_size=100), page_size="100")
    response = support_client.get(summary_url(kingdee_connection), {"period": "30d", "page": "2"})
    html = response.content.decode()
    assert response.status_code == 200
    # One call at the vendor's largest page size reads the period from its start, whatever page is shown.
    assert [(call["page"], call["page_size"]) for call in record_calls(vendor_http)] == [("1", "100")]
    totals = html.split('class="balance period-totals"')[1].split("</dl>")[0]
    assert re.findall(r'<dd class="num[^"]*">([^<]+)</dd>', totals) == [
        "+690",
        "220",
        "+470",
    ]  # 23 times +30, 22 times -10
    assert html.count("<tr><td") == 45  # every record's balance is in the figures table
    entry = AuditEntry.objects.get(action=AuditAction.MEMBER_VIEW, target="M001")
    assert entry.details["chart"] is True


def test_a_period_beyond_the_bound_says_what_the_chart_shows(
    support_client, vendor_http, kingdee_connection, monkeypatch
):
    from ledger.services import members

    monkeypatch.setattr(members, "MAX_PERIOD_PAGES", 1)
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(kingdee_rows(100), count=250, page_size=100), page_size="100")
    html = support_client.get(summary_url(kingdee_connection)).content.decode()
    assert len(record_calls(vendor_http)) == 1
    assert "Drawn from the latest 100 records of the period" in html
    assert "its totals are in the export" in html
    assert 'class="balance period-totals"' not in html


def test_a_failing_chart_says_so_in_its_own_part(support_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, {"errcode": 9999, "description": "busy"}, status=500)
    response = support_client.get(summary_url(kingdee_connection))
    assert response.status_code == 200
    assert 'class="alert error"' in response.content.decode()


def test_a_vendor_without_balances_per_row_charts_daily_net_change_never_a_balance(
    support_client, vendor_http, xiaoe_connection
):
    # Walking back from a balance of 5 through these rows would draw a balance of -95 on Nov 2nd.
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1"]))
    flows = [
        xiaoe_flow(1, 2, 100, 20),  # -100 on the 20th
        xiaoe_flow(2, 1, 40, 20),  # +40 on the 20th: net -60
        xiaoe_flow(3, 1, 25, 2),  # +25 on the 2nd
    ]
    vendor_http.post(XIAOE_FLOW_URL, json={"code": 0, "msg": "ok", "data": {"list": flows, "total": 3}})
    html = support_client.get(detail_url(xiaoe_connection, "u1"), NOVEMBER).content.decode()
    chart = html[html.index('class="chart"') : html.index("</figure>")]
    assert "Net change per day" in chart
    assert "<polyline" not in chart
    assert chart.count('class="bar-up"') == 1
    assert chart.count('class="bar-down"') == 1
    # The axis spans the period chosen, not just the days with rows.
    assert ">2025-11-01<" in chart
    assert ">2025-11-30<" in chart
    figures = re.findall(r'<tr><td class="nowrap">([^<]+)</td><td class="num">([^<]+)</td></tr>', chart)
    assert figures == [("2025-11-02", "+25"), ("2025-11-20", "-60")]
    assert all(not value.startswith("-9") for _day, value in figures)
    months = [
        json.loads(call.request.body)["year_month"] for call in vendor_http.calls if "flow.list" in call.request.url
    ]
    assert months == ["2025_11"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_chart_speaks_the_readers_language(support_client, vendor_http, kingdee_connection, language):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(kingdee_rows(3)))
    support_client.cookies["django_language"] = language
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    title = {"en": "Balance over the period", "zh-hans": "期间余额走势"}[language]
    assert f'<h3 class="chart-title">{title}</h3>' in html
    assert f'aria-label="{title}"' in html


# --- loading state ---------------------------------------------------------------------------------------------
def test_the_history_says_it_is_loading_while_filters_and_pages_swap_it(
    support_client, vendor_http, kingdee_connection
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(kingdee_rows(20), count=45))
    html = support_client.get(detail_url(kingdee_connection)).content.decode()
    section = html[html.index('<div class="history" hx-indicator="#history-loading">') :]
    assert section.index('<form class="card filters"') < section.index('id="history-table"')
    assert 'id="history-loading" class="htmx-indicator' in section
    assert 'rel="next"' in section  # the paging links sit inside it and share its indicator
