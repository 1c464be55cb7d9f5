"""Rankings and shop ledger pages and exports, the chart, and hostile values for every query parameter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from audit.models import AuditAction, AuditEntry
from ledger.charts import balance_points, history_chart
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
from vendors.results import Direction, PointsTransaction

pytestmark = pytest.mark.django_db

RANKINGS = reverse("ledger:rankings")
LEDGER = reverse("ledger:shop_ledger")


def batch_bodies(vendor_http):
    return [json.loads(c.request.body) for c in vendor_http.calls if "info.batch" in c.request.url]


# --- rankings ----------------------------------------------------------------------------------------------------
def test_support_cannot_see_rankings_or_ledger(support_client):
    assert support_client.get(RANKINGS).status_code == 403
    assert support_client.get(LEDGER).status_code == 403
    assert support_client.get(reverse("ledger:rankings_export")).status_code == 403


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
    what_and_how = ["Connection", "Sort by", "Order", "First earned from", "First earned to", "Member ids"]
    assert labels == [*what_and_how, "Rows per page"]


def test_rankings_htmx_partial(manager_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1"]))
    response = manager_client.get(RANKINGS, HTTP_HX_REQUEST="true")
    assert response.content.decode().lstrip().startswith('<div id="rankings-table"')
    assert "HX-Request" in response["Vary"]


def test_rankings_export_all_pages(manager_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    first = xiaoe_balances_reply([f"u{i}" for i in range(100)], total=101)
    second = xiaoe_balances_reply(["张三"], total=101, start=100)
    vendor_http.post(XIAOE_BATCH_URL, json=first)
    vendor_http.post(XIAOE_BATCH_URL, json=second)
    response = manager_client.get(reverse("ledger:rankings_export"), {"sort": "total"})
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeffRank,Member id")
    assert len(body.strip().splitlines()) == 102
    assert "张三" in body
    assert [b["page"] for b in batch_bodies(vendor_http)] == ["1", "2"]
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1


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


@pytest.mark.parametrize(("rows", "columns"), [([record(member_mobile=MOBILE), record()], 7), ([record()], 6)])
def test_shop_ledger_shows_the_mobile_column_only_when_a_row_has_one(
    manager_client, vendor_http, kingdee_connection, rows, columns
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows))
    html = manager_client.get(LEDGER, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _header_cells(html) == columns
    assert html.count("<td") == len(rows) * columns
    assert ("138****5678" in html) == (columns == 7)


def test_shop_ledger_rejects_a_bad_mobile(manager_client, vendor_http, kingdee_connection):
    html = manager_client.get(LEDGER, {"mobile": "12345"}).content.decode()
    assert "11 digits" in html
    assert not record_calls(vendor_http)


def test_shop_ledger_export(manager_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record(type_name="积分")], page_size=100))
    response = manager_client.get(reverse("ledger:shop_ledger_export"))
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    assert "积分" in body
    assert record_calls(vendor_http)[0]["page_size"] == "100"


# --- chart -------------------------------------------------------------------------------------------------------
def _tx(day: int, change: str, after: str | None = None) -> PointsTransaction:
    return PointsTransaction(
        connection_id=1,
        record_id=str(day),
        member_id="M",
        occurred_at=datetime(2025, 5, day, 4, 0, tzinfo=UTC),
        change=Decimal(change),
        direction=Direction.ADD if Decimal(change) > 0 else Direction.SUBTRACT,
        balance_after=Decimal(after) if after else None,
    )


def test_chart_walks_back_from_the_current_balance():
    rows = [_tx(3, "-20"), _tx(2, "50"), _tx(1, "10")]
    points = balance_points(rows, has_balance_after=False, current_balance=Decimal("100.5"))
    assert [p.value for p in points] == [Decimal("70.5"), Decimal("120.5"), Decimal("100.5")]


def test_chart_uses_balance_after_where_given():
    rows = [_tx(2, "5", "15"), _tx(1, "10", "10")]
    points = balance_points(rows, has_balance_after=True, current_balance=None)
    assert [p.value for p in points] == [Decimal(10), Decimal(15)]


def test_chart_svg_has_axis_labels_and_dates():
    svg = str(history_chart([_tx(2, "5", "15"), _tx(1, "10", "10")], has_balance_after=True, current_balance=None))
    assert svg.startswith("<svg")
    assert "<polyline" in svg
    assert "2025-05-01" in svg
    assert "2025-05-02" in svg
    assert ">15<" in svg
    assert ">10<" in svg


def test_chart_empty_state():
    assert "No points to chart" in str(history_chart([], has_balance_after=False, current_balance=None))
    with translation.override("zh-hans"):
        assert "没有可绘制的积分" in str(history_chart([], has_balance_after=False, current_balance=None))


# --- hostile values -----------------------------------------------------------------------------------------------
NASTY = ["0", "-1", str(10**12), "abc", "7", "x" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "2025-13-45"]


def _pages(kingdee, xiaoe):
    member = reverse("ledger:member_detail", args=[kingdee.pk, "M001"])
    return {
        reverse("ledger:member_search"): ["q", "connection"],
        reverse("ledger:member_panel", args=[kingdee.pk]): ["q"],
        member: ["period", "start", "end", "type_code", "page", "page_size", "direction"],
        member + "export.csv": ["period", "start", "end", "type_code", "page_size"],
        RANKINGS: ["connection", "sort", "order", "start", "end", "ids", "page", "page_size"],
        reverse("ledger:rankings_export"): ["connection", "sort", "order", "start", "end", "ids"],
        LEDGER: ["connection", "period", "start", "end", "type_code", "member_id", "mobile", "page", "page_size"],
        reverse("ledger:shop_ledger_export"): ["connection", "start", "end", "member_id", "mobile"],
    }


def test_hostile_values_never_500_nor_unescaped(admin_client, vendor_http, kingdee_connection, xiaoe_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record()]))
    xiaoe_token(vendor_http)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1"]))
    for url, names in _pages(kingdee_connection, xiaoe_connection).items():
        for name in names:
            for value in NASTY:
                response = admin_client.get(url, {name: value, "period": "custom", "start": "2025-05-01"})
                assert response.status_code in (200, 400), (url, name, value[:20], response.status_code)
                content = b"".join(response.streaming_content) if response.streaming else response.content
                assert b"<script>alert(1)</script>" not in content, (url, name)


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
    assert manager_client.get(reverse("ledger:shop_ledger_export")).status_code == 400
    assert "Type an openid" in support_client.get(reverse("ledger:member_search")).content.decode()
