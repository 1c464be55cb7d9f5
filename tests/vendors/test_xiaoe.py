"""Xiaoe-tech client against faked HTTP shaped as vendor-docs/xiaoe-xe.account.info.batch.md and VENDORS.md §2:
the token in the query string and the body, null vs empty user_ids, chunks of 100, rankings, month walking."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.utils import timezone, translation
from responses import matchers

from tests.conftest import TEST_CREDENTIALS
from vendors import xiaoe
from vendors.exceptions import VendorAuthError, VendorBadResponse, VendorQueryError, VendorRejected
from vendors.parsing import SHANGHAI
from vendors.results import (
    Capability,
    Direction,
    HistoryQuery,
    LookupKind,
    MemberRef,
    RankingField,
    RankingQuery,
)
from vendors.xiaoe import XiaoeClient

BASE = "https://xiaoe.vendor.test"
TOKEN_URL = BASE + "/token"
BATCH_URL = BASE + "/xe.account.info.batch/1.0.0"
FLOW_URL = BASE + "/xe.account.flow.list/1.0.0"
CREDS = TEST_CREDENTIALS["xiaoe"]
TOKEN = "xe_token_0001"
USER = "u_5f9a0c1d"
MEMBER = MemberRef(LookupKind.USER_ID, USER)

# The doc's reply example, comments removed.
DOC_EXAMPLE = {
    "code": 0,
    "msg": "Success",
    "data": {
        "list": [
            {
                "id": 5,
                "app_id": "app_id_xxxx",
                "user_id": "xxxx_1",
                "total_balance": 0,
                "balance": 300,
                "freeze_balance": 0,
                "created_at": "2020-08-20 16:01:52",
            },
            {
                "id": 6,
                "app_id": "app_id_xxxx",
                "user_id": "xxxx_2",
                "total_balance": 0,
                "balance": 300,
                "freeze_balance": 0,
                "created_at": "2020-08-20 16:01:52",
            },
        ],
        "page": {"current_page": 3, "last_page": 4, "page_size": 2, "total": 7},
    },
}


def expect_token(mock: responses.RequestsMock, token: str = TOKEN, **params: str) -> responses.BaseResponse:
    query = {
        "app_id": CREDS["app_id"],
        "client_id": CREDS["client_id"],
        "secret_key": CREDS["secret_key"],
        # grant_type singular here (VENDORS.md §2).
        "grant_type": "client_credential",
    }
    query.update(params)
    return mock.get(
        TOKEN_URL,
        json={"code": 0, "msg": "ok", "data": {"access_token": token, "expires_in": 7200}},
        match=[
            matchers.query_param_matcher({k: v for k, v in query.items() if v}),
            matchers.request_kwargs_matcher({"timeout": 5.0}),
        ],
    )


def expect_batch(mock, body: dict, reply: dict, token: str = TOKEN) -> responses.BaseResponse:
    return mock.post(
        BATCH_URL,
        json=reply,
        # The token in the JSON body (VENDORS.md §2); strict: no other key may be sent.
        match=[matchers.json_params_matcher({"access_token": token, **body})],
    )


def batch_reply(user_ids: list[str], total: int | None = None) -> dict:
    rows = [
        {"id": i, "app_id": "app", "user_id": uid, "total_balance": 100 + i, "balance": 90 + i, "freeze_balance": 10}
        for i, uid in enumerate(user_ids)
    ]
    count = len(rows) if total is None else total
    page = {"current_page": 1, "last_page": 1, "page_size": max(1, len(rows)), "total": count}
    return {"code": 0, "msg": "ok", "data": {"list": rows, "page": page}}


@pytest.fixture
def client(make_config) -> XiaoeClient:
    return XiaoeClient(make_config("xiaoe"))


# --- what the profile declares -------------------------------------------------------------------------
def test_declared_capabilities_and_filters():
    assert XiaoeClient.profile.capabilities == {
        Capability.MEMBER_BALANCE,
        Capability.MEMBER_HISTORY,
        Capability.BALANCE_RANKING,
        Capability.BALANCES_BY_IDS,
    }
    assert XiaoeClient.profile.history_directions == {Direction.ADD, Direction.SUBTRACT, Direction.FREEZE}
    assert XiaoeClient.profile.max_history_days == 366
    assert XiaoeClient.profile.history_whole_months is True
    assert xiaoe.ACCOUNT_TYPE in {"INTEGRAL", "INTERGRAL"}


# --- token ------------------------------------------------------------------------------------------
def test_the_token_is_fetched_with_a_query_string_get(vendor_http, client):
    expect_token(vendor_http)
    assert client.tokens.get() == TOKEN


def test_the_call_log_names_the_token_path_without_its_query(vendor_http, client, vendor_calls):
    expect_token(vendor_http)
    client.tokens.get()
    assert [(call.endpoint, call.outcome) for call in vendor_calls] == [("/token", "ok")]


def test_a_merchant_without_client_id_fetches_without_it(vendor_http, make_config):
    expect_token(vendor_http, client_id="")
    config = make_config("xiaoe", credentials={"app_id": CREDS["app_id"], "secret_key": CREDS["secret_key"]})
    assert XiaoeClient(config).tokens.get() == TOKEN


def test_an_invalid_secret_key_is_an_auth_error(vendor_http, client):
    vendor_http.get(TOKEN_URL, json={"code": 2001, "msg": "invalid secret_key"})
    with pytest.raises(VendorAuthError) as caught:
        client.member_balance(member=MEMBER)
    assert caught.value.code == 2001
    assert len(vendor_http.calls) == 1
    assert CREDS["secret_key"] not in str(caught.value)


def test_an_error_about_the_token_gets_one_new_token_and_one_retry(vendor_http, client):
    expect_token(vendor_http, "xe_old")
    expect_batch(
        vendor_http,
        {"user_ids": [USER], "page": "1", "page_size": "1"},
        {"code": 2008, "msg": "access_token不合法或已过期"},
        token="xe_old",
    )
    expect_token(vendor_http, "xe_new")
    expect_batch(vendor_http, {"user_ids": [USER], "page": "1", "page_size": "1"}, batch_reply([USER]), token="xe_new")
    assert client.member_balance(member=MEMBER).member_id == USER


def test_an_error_not_about_the_token_is_shown_without_a_new_token(vendor_http, client):
    expect_token(vendor_http)
    expect_batch(vendor_http, {"user_ids": [USER], "page": "1", "page_size": "1"}, {"code": 1003, "msg": "参数错误"})
    with pytest.raises(VendorRejected) as caught:
        client.member_balance(member=MEMBER)
    assert caught.value.code == 1003
    assert "参数错误" in caught.value.user_message()
    assert len(vendor_http.calls) == 2


# --- balances ---------------------------------------------------------------------------------------
def test_the_docs_example_reply_parses(vendor_http, client):
    expect_token(vendor_http)
    expect_batch(vendor_http, {"user_ids": None, "sort_rule": 11, "page": "3", "page_size": "2"}, DOC_EXAMPLE)
    page = client.balance_ranking(query=RankingQuery(page=3, page_size=2))
    first, second = page.items
    assert (first.member_id, second.member_id) == ("xxxx_1", "xxxx_2")
    assert (first.total, first.available, first.frozen) == (Decimal(0), Decimal(300), Decimal(0))
    assert first.first_earned_at == datetime(2020, 8, 20, 8, 1, 52, tzinfo=UTC)  # 16:01:52 in Beijing
    assert (page.total, page.total_exact, page.page_count, page.has_next) == (7, True, 4, True)


@pytest.mark.parametrize(
    ("field", "descending", "rule"),
    [
        (RankingField.TOTAL, True, 11),
        (RankingField.TOTAL, False, 12),
        (RankingField.AVAILABLE, True, 21),
        (RankingField.AVAILABLE, False, 22),
        (RankingField.FROZEN, True, 31),
        (RankingField.FROZEN, False, 32),
    ],
)
def test_ranking_sort_rules(vendor_http, client, field, descending, rule):
    expect_token(vendor_http)
    expect_batch(vendor_http, {"user_ids": None, "sort_rule": rule, "page": "1", "page_size": "20"}, batch_reply([]))
    client.balance_ranking(query=RankingQuery(sort_field=field, descending=descending))


def test_ranking_by_first_earned_time_sends_beijing_wall_clock(vendor_http, client):
    expect_token(vendor_http)
    expect_batch(
        vendor_http,
        {
            "user_ids": None,
            "sort_rule": 11,
            "page": "2",
            "page_size": "50",
            "create_time_start": "2020-08-13 00:00:00",
            "create_time_end": "2020-08-20 23:59:59",
        },
        batch_reply([], total=60),
    )
    page = client.balance_ranking(
        query=RankingQuery(
            first_earned_start=datetime(2020, 8, 12, 16, 0, tzinfo=UTC),
            first_earned_end=datetime(2020, 8, 20, 23, 59, 59, tzinfo=SHANGHAI),
            page=2,
            page_size=50,
        )
    )
    assert page.items == ()
    assert page.total_exact is False  # 60 rows means page 2 of 50 should hold 10


def test_ranking_of_some_members_sends_their_ids(vendor_http, client):
    expect_token(vendor_http)
    expect_batch(
        vendor_http, {"user_ids": ["a", "b"], "sort_rule": 22, "page": "1", "page_size": "10"}, batch_reply(["b", "a"])
    )
    page = client.balance_ranking(
        query=RankingQuery(sort_field=RankingField.AVAILABLE, descending=False, member_ids=("a", "b"), page_size=10)
    )
    assert [b.member_id for b in page.items] == ["b", "a"]


def test_ranking_refuses_naive_times(client):
    with pytest.raises(VendorQueryError):
        client.balance_ranking(query=RankingQuery(first_earned_start=datetime(2020, 1, 1)))


def test_balances_by_ids_of_nobody_makes_no_call(vendor_http, client):
    assert client.balances_by_ids(member_ids=[]) == []
    assert client.balances_by_ids(member_ids=["", "  "]) == []
    assert len(vendor_http.calls) == 0


def test_balances_by_ids_goes_in_chunks_of_100_and_keeps_the_callers_order(vendor_http, client):
    ids = [f"u_{i:03d}" for i in range(250)]
    expect_token(vendor_http)
    for chunk in (ids[0:100], ids[100:200], ids[200:250]):
        known = [uid for uid in chunk if not uid.endswith("7")]  # some members have no points account
        expect_batch(
            vendor_http,
            {"user_ids": chunk, "page": "1", "page_size": str(len(chunk))},
            batch_reply(list(reversed(known))),
        )
    balances = client.balances_by_ids(member_ids=[*ids, ids[0]])  # a duplicate is asked once
    assert [b.member_id for b in balances] == [uid for uid in ids if not uid.endswith("7")]
    assert len(vendor_http.calls) == 4  # token + 3 chunks


def test_member_balance_of_an_unknown_member_is_none(vendor_http, client):
    expect_token(vendor_http)
    expect_batch(vendor_http, {"user_ids": [USER], "page": "1", "page_size": "1"}, batch_reply([]))
    assert client.member_balance(member=MEMBER) is None


def test_balances_as_strings_parse_too(vendor_http, client):
    expect_token(vendor_http)
    reply = {
        "code": 0,
        "msg": "ok",
        "data": {
            "list": [{"user_id": USER, "total_balance": "1200", "balance": "1000", "freeze_balance": "200"}],
            "page": {"current_page": 1, "last_page": 1, "page_size": 1, "total": 1},
        },
    }
    expect_batch(vendor_http, {"user_ids": [USER], "page": "1", "page_size": "1"}, reply)
    balance = client.member_balance(member=MEMBER)
    assert (balance.total, balance.available, balance.frozen) == (Decimal(1200), Decimal(1000), Decimal(200))
    assert balance.first_earned_at is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"list": {"user_id": "x"}}, "data.list"),
        ({"list": [{"total_balance": 1}]}, "user_id"),
        ({"list": [{"user_id": "x", "balance": "lots"}]}, "balance"),
        ({"list": [{"user_id": "x", "created_at": "20/08/2020"}]}, "created_at"),
        ({"list": [], "page": [1, 2]}, "data.page"),
        ("not an object", "data"),
    ],
)
def test_wrong_shapes_are_bad_responses(vendor_http, client, data, field):
    expect_token(vendor_http)
    expect_batch(
        vendor_http, {"user_ids": None, "sort_rule": 11, "page": "1", "page_size": "20"}, {"code": 0, "data": data}
    )
    with pytest.raises(VendorBadResponse, match=field):
        client.balance_ranking(query=RankingQuery())


# --- history: one month per call --------------------------------------------------------------------
def flow_row(year_month: str, index: int, flow_type: int = 1) -> dict[str, Any]:
    year, month = year_month.split("_")
    day = 28 - index % 28  # newest first within the month (the 28th, 27th… of every month)
    return {
        "id": index,
        "flow_id": f"f_{year_month}_{index:03d}",
        "user_id": USER,
        "flow_type": flow_type,
        "business_type": "sign_in",
        "flow_count": 5 + index,
        "balance": str(1000 + index),
        "created_at": f"{year}-{month}-{day:02d} 09:30:00",
        "remark": "签到",
    }


class FlowVendor:
    """Serves xe.account.flow.list from a fixed ledger per month, and records what was asked."""

    def __init__(self, months: dict[str, int], total_shape: str = "total") -> None:
        self.rows = {ym: [flow_row(ym, i) for i in range(count)] for ym, count in months.items()}
        self.total_shape = total_shape
        self.asked: list[tuple[str, int]] = []
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request) -> tuple[int, dict, str]:
        body = json.loads(request.body)
        self.bodies.append(body)
        year_month, page, size = body["year_month"], int(body["page"]), int(body["page_size"])
        self.asked.append((year_month, page))
        rows = self.rows.get(year_month, [])
        data: dict[str, Any] = {"list": rows[(page - 1) * size : page * size]}
        if self.total_shape == "total":
            data["total"] = len(rows)
        elif self.total_shape == "page":
            data["page"] = {"current_page": page, "page_size": size, "total": len(rows)}
        elif self.total_shape == "count":
            data["count"] = str(len(rows))
        # "none": no total at all
        return 200, {}, json.dumps({"code": 0, "msg": "ok", "data": data})


@pytest.fixture
def flows(vendor_http):
    def install(months: dict[str, int], total_shape: str = "total") -> FlowVendor:
        vendor = FlowVendor(months, total_shape)
        expect_token(vendor_http)
        vendor_http.add_callback(responses.POST, FLOW_URL, callback=vendor)
        return vendor

    return install


MAR_TO_MAY = {
    "start": datetime(2025, 3, 1, tzinfo=SHANGHAI),
    "end": datetime(2025, 5, 31, 23, 59, 59, tzinfo=SHANGHAI),
}


def test_the_first_page_of_a_range_reads_only_the_newest_month(flows, client):
    vendor = flows({"2025_05": 25, "2025_04": 0, "2025_03": 13})
    page = client.member_history(member=MEMBER, query=HistoryQuery(**MAR_TO_MAY, page_size=10))
    assert [row.record_id for row in page.items] == [f"f_2025_05_{i:03d}" for i in range(10)]
    assert vendor.asked == [("2025_05", 1)]
    # The older months were not asked, so their counts and the total are unknown; "next" is offered.
    assert (page.total, page.total_exact, page.has_next) == (None, False, True)


def test_a_page_running_over_a_month_end_continues_in_the_older_months(flows, client):
    vendor = flows({"2025_05": 25, "2025_04": 0, "2025_03": 13})
    page = client.member_history(member=MEMBER, query=HistoryQuery(**MAR_TO_MAY, page=3, page_size=10))
    assert [row.record_id for row in page.items] == [
        *(f"f_2025_05_{i:03d}" for i in range(20, 25)),
        *(f"f_2025_03_{i:03d}" for i in range(5)),
    ]
    assert vendor.asked == [("2025_05", 3), ("2025_04", 1), ("2025_03", 1)]
    assert (page.total, page.total_exact, page.has_next) == (38, True, True)


def test_a_page_starting_inside_an_older_month_skips_the_newer_ones_by_their_totals(flows, client):
    vendor = flows({"2025_05": 25, "2025_04": 0, "2025_03": 13})
    page = client.member_history(member=MEMBER, query=HistoryQuery(**MAR_TO_MAY, page=4, page_size=10))
    assert [row.record_id for row in page.items] == [f"f_2025_03_{i:03d}" for i in range(5, 13)]
    # Offset 5 of March with pages of 10: rows 5-9 of page 1, rows 10-12 of page 2.
    assert vendor.asked == [("2025_05", 4), ("2025_04", 1), ("2025_03", 1), ("2025_03", 2)]
    assert (page.total, page.total_exact, page.has_next) == (38, True, False)


def test_a_page_past_the_end_is_empty_with_the_exact_total(flows, client):
    flows({"2025_05": 25, "2025_04": 0, "2025_03": 13})
    page = client.member_history(member=MEMBER, query=HistoryQuery(**MAR_TO_MAY, page=5, page_size=10))
    assert (page.items, page.total, page.total_exact) == ((), 38, True)


def test_every_flow_call_carries_the_account_type_user_and_month(flows, client):
    vendor = flows({"2025_05": 3})
    client.member_history(
        member=MEMBER,
        query=HistoryQuery(start=datetime(2025, 5, 1, tzinfo=SHANGHAI), end=datetime(2025, 5, 20, tzinfo=SHANGHAI)),
    )
    assert vendor.bodies == [
        {
            "access_token": TOKEN,
            "account_type": xiaoe.ACCOUNT_TYPE,
            "user_id": USER,
            "year_month": "2025_05",
            # Strings, like info.batch's paging (VENDORS.md §2).
            "page": "1",
            "page_size": "20",
        }
    ]


def _this_and_previous_month() -> tuple[str, str]:
    now = timezone.now().astimezone(SHANGHAI)
    previous = now.replace(day=1) - timedelta(days=1)
    return now.strftime("%Y_%m"), previous.strftime("%Y_%m")


def test_no_dates_means_the_latest_records_from_this_month_and_the_one_before(flows, client):
    # A lookup panel early in a month: this month has fewer rows than the panel shows, the rest come from the
    # month before, whatever the calendar says.
    this_month, previous_month = _this_and_previous_month()
    vendor = flows({this_month: 2, previous_month: 9})
    page = client.member_history(member=MEMBER, query=HistoryQuery(page_size=5))
    assert vendor.asked == [(this_month, 1), (previous_month, 1)]
    assert [row.record_id for row in page.items][:3] == [
        f"f_{this_month}_000",
        f"f_{this_month}_001",
        f"f_{previous_month}_000",
    ]
    assert len(page.items) == 5


def test_no_dates_and_a_full_current_month_asks_nothing_older(flows, client):
    this_month, _previous = _this_and_previous_month()
    vendor = flows({this_month: 7})
    page = client.member_history(member=MEMBER, query=HistoryQuery(page_size=5))
    assert vendor.asked == [(this_month, 1)]
    assert len(page.items) == 5


def test_months_are_beijing_months(flows, client):
    # 2025-03-31 17:00 UTC is already April 1st in Beijing: March is not asked.
    vendor = flows({"2025_04": 1})
    start = datetime(2025, 3, 31, 17, 0, tzinfo=UTC)
    client.member_history(member=MEMBER, query=HistoryQuery(start=start, end=start + timedelta(days=3)))
    assert vendor.asked == [("2025_04", 1)]


MAY = HistoryQuery(start=datetime(2025, 5, 1, tzinfo=SHANGHAI), end=datetime(2025, 5, 31, 23, 59, 59, tzinfo=SHANGHAI))


@pytest.mark.parametrize("shape", ["total", "page", "count"])
def test_the_month_total_is_read_wherever_the_vendor_puts_it(flows, client, shape):
    vendor = flows({"2025_05": 25}, total_shape=shape)
    query = replace(MAY, page=2, page_size=10)
    page = client.member_history(member=MEMBER, query=query)
    assert (page.total, page.total_exact) == (25, True)
    assert vendor.asked == [("2025_05", 2)]  # the total says the month goes on: no third page asked


def test_flow_rows_parse(flows, client):
    flows({"2025_05": 1})
    (row,) = client.member_history(member=MEMBER, query=MAY).items
    assert row.record_id == "f_2025_05_000"
    assert row.occurred_at == datetime(2025, 5, 28, 1, 30, tzinfo=UTC)
    assert (row.change, row.direction) == (Decimal(5), Direction.ADD)
    assert (row.type_code, row.description) == ("sign_in", "签到")
    assert row.balance_after is None  # `balance` is unconfirmed: kept in raw only
    assert row.raw["balance"] == "1000"


@pytest.mark.parametrize(
    ("direction", "flow_type", "sign"),
    [(Direction.ADD, 1, 1), (Direction.SUBTRACT, 2, -1), (Direction.FREEZE, 3, -1)],
)
def test_the_direction_filter_is_the_vendors_flow_type(vendor_http, client, direction, flow_type, sign):
    expect_token(vendor_http)
    row = flow_row("2025_05", 0, flow_type=flow_type)
    vendor_http.post(
        FLOW_URL,
        json={"code": 0, "msg": "ok", "data": {"list": [row], "total": 1}},
        match=[matchers.json_params_matcher({"flow_type": flow_type}, strict_match=False)],
    )
    (item,) = client.member_history(member=MEMBER, query=replace(MAY, direction=direction)).items
    assert item.direction == direction
    assert item.change == sign * 5


def test_a_range_longer_than_366_days_is_refused_before_any_call(vendor_http, client):
    end = datetime(2025, 5, 31, tzinfo=SHANGHAI)
    with pytest.raises(VendorQueryError):
        client.member_history(member=MEMBER, query=HistoryQuery(start=end - timedelta(days=367), end=end))
    assert len(vendor_http.calls) == 0


def test_a_year_spans_thirteen_months_at_most(flows, client):
    end = datetime(2025, 5, 31, tzinfo=SHANGHAI)
    months = {f"{y}_{m:02d}": 0 for y, m in [(2024, m) for m in range(5, 13)] + [(2025, m) for m in range(1, 6)]}
    vendor = flows(months)
    page = client.member_history(member=MEMBER, query=HistoryQuery(start=end - timedelta(days=366), end=end))
    assert [ym for ym, _page in vendor.asked] == sorted(months, reverse=True)
    assert (page.items, page.total, page.total_exact) == ((), 0, True)


def test_a_reply_without_a_total_is_read_until_a_short_page(flows, client):
    vendor = flows({"2025_05": 25, "2025_04": 20, "2025_03": 3}, total_shape="none")
    query = HistoryQuery(**MAR_TO_MAY, page_size=10)
    pages = [client.member_history(member=MEMBER, query=replace(query, page=number)) for number in range(1, 6)]
    assert [len(page.items) for page in pages] == [10, 10, 10, 10, 8]
    assert [row.record_id for row in pages[2].items] == [
        *(f"f_2025_05_{i:03d}" for i in range(20, 25)),
        *(f"f_2025_04_{i:03d}" for i in range(5)),
    ]
    # April holds exactly two pages: only an empty third one says it has ended.
    assert vendor.asked == [("2025_05", 1), ("2025_05", 2), ("2025_05", 3), ("2025_04", 1), ("2025_04", 2),
                            ("2025_04", 3), ("2025_03", 1)]  # fmt: skip
    assert (pages[-1].total, pages[-1].total_exact, pages[-1].has_next) == (48, True, False)
    assert (pages[0].total, pages[0].has_next) == (None, True)


def test_a_page_deep_in_a_reply_without_totals_is_found_by_reading(flows, client):
    vendor = flows({"2025_05": 25, "2025_04": 0, "2025_03": 13}, total_shape="none")
    page = client.member_history(member=MEMBER, query=HistoryQuery(**MAR_TO_MAY, page=3, page_size=10))
    assert [row.record_id for row in page.items] == [
        *(f"f_2025_05_{i:03d}" for i in range(20, 25)),
        *(f"f_2025_03_{i:03d}" for i in range(5)),
    ]
    # May's page 3 is short: the month ends there, and rows 0-19 were on the pages before.
    assert vendor.asked == [("2025_05", 3), ("2025_04", 1), ("2025_03", 1)]


def test_rows_outside_the_dates_asked_are_left_out(flows, client):
    # September 25th to October 10th: both months are asked whole, only the days asked are shown.
    vendor = flows({"2025_10": 28, "2025_09": 28})
    query = HistoryQuery(
        start=datetime(2025, 9, 25, tzinfo=SHANGHAI), end=datetime(2025, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)
    )
    rows = client.member_history(member=MEMBER, query=replace(query, page_size=100)).items
    days = [row.occurred_at.astimezone(SHANGHAI).date().isoformat() for row in rows]
    assert days == [f"2025-10-{day:02d}" for day in range(10, 0, -1)] + [
        f"2025-09-{day:02d}" for day in (28, 27, 26, 25)
    ]
    assert vendor.asked == [("2025_10", 1), ("2025_09", 1)]


def test_the_pages_of_an_export_read_every_vendor_page_once(flows, client):
    # An export asks page 1, 2, 3… of one client: each vendor page is read once, the months walked once.
    months = {"2025_05": 250, "2025_04": 0, "2025_03": 130, "2025_02": 100}
    vendor = flows(months)
    query = HistoryQuery(start=datetime(2025, 2, 1, tzinfo=SHANGHAI), end=MAR_TO_MAY["end"], page_size=100)
    ids = []
    for number in range(1, 10):
        page = client.member_history(member=MEMBER, query=replace(query, page=number))
        ids += [row.record_id for row in page.items]
        if not page.has_next:
            break
    assert len(ids) == len(set(ids)) == 480
    assert vendor.asked == [("2025_05", 1), ("2025_05", 2), ("2025_05", 3), ("2025_04", 1), ("2025_03", 1),
                            ("2025_03", 2), ("2025_02", 1)]  # fmt: skip
    assert (page.page, page.total, page.total_exact) == (5, 480, True)


def test_an_unknown_flow_type_is_a_bad_response(vendor_http, client):
    expect_token(vendor_http)
    row = flow_row("2025_05", 0, flow_type=9)
    vendor_http.post(FLOW_URL, json={"code": 0, "msg": "ok", "data": {"list": [row], "total": 1}})
    query = HistoryQuery(start=datetime(2025, 5, 2, tzinfo=SHANGHAI), end=datetime(2025, 5, 9, tzinfo=SHANGHAI))
    with pytest.raises(VendorBadResponse, match="flow_type"):
        client.member_history(member=MEMBER, query=query)


def test_a_month_total_that_disagrees_with_its_rows_makes_the_total_inexact(vendor_http, client):
    expect_token(vendor_http)
    rows = [flow_row("2025_05", i) for i in range(3)]
    vendor_http.post(FLOW_URL, json={"code": 0, "msg": "ok", "data": {"list": rows, "total": 50}})
    page = client.member_history(member=MEMBER, query=MAY)
    assert len(page.items) == 3
    assert (page.total, page.total_exact) == (50, False)


# --- test_connection --------------------------------------------------------------------------------
def test_connection_test_reads_one_balance_row(vendor_http, client):
    expect_token(vendor_http)
    expect_batch(vendor_http, {"user_ids": None, "page": "1", "page_size": "1"}, batch_reply(["u1"], total=1234))
    with translation.override("en"):
        assert client.test_connection() == "Token accepted; 1234 members have a points account."
