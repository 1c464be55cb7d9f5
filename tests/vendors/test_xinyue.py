"""Tencent Xinyue client against faked HTTP shaped as vendor-docs/tencent-xinyue-GetUserClubPointsList.md
and VENDORS.md §1: the raw token header, millisecond filters, the doc's example reply, every error shape."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import responses
from django.utils import translation
from responses import matchers

from tests.conftest import TEST_CREDENTIALS
from vendors.exceptions import (
    VendorAuthError,
    VendorBadResponse,
    VendorQueryError,
    VendorRejected,
    VendorTokenRejected,
    VendorUnavailable,
)
from vendors.parsing import SHANGHAI
from vendors.results import Capability, Direction, HistoryQuery, LookupKind, MemberRef
from vendors.tokens import TokenStore
from vendors.xinyue import XinyueClient

BASE = "https://xinyue.vendor.test"
TOKEN_URL = BASE + "/upbot/api/auth/GetAccessToken"
HISTORY_URL = BASE + "/upbot/api/GetUserClubPointsList"
BALANCE_URL = BASE + "/upbot/api/GetUserClubPoints"
OPENID = "JHhd993hGG8n0dsfn9hhsdhfi"  # the doc's example openid
MEMBER = MemberRef(LookupKind.OPENID, OPENID)
CREDS = TEST_CREDENTIALS["xinyue"]

# The doc's success example, with its unquoted `desc` quoted (as printed it is not JSON at all).
# Integers where the doc's table says strings: amount and create_time.
DOC_EXAMPLE = {
    "ret": 0,
    "msg": "",
    "data": {
        "list": [{"bill_type": 1, "amount": 100, "create_time": 123467677, "desc": "完成任务奖励积分"}],
        "total": 23,
    },
}
DOC_ERROR = {"ret": 1001, "msg": "请求参数错误，请稍后再试"}  # noqa: RUF001 - the vendor's own text


def token_reply(token: str) -> dict:
    return {
        "ret": 0,
        "msg": "ok",
        "data": {"access_token": token, "expires_in": 7200, "refresh_token": "rt", "scope": "all"},
    }


def expect_token(mock: responses.RequestsMock, token: str = "xy-token-1", **reply: object) -> responses.BaseResponse:
    body = token_reply(token)
    body.update(reply)
    return mock.post(
        TOKEN_URL,
        json=body,
        match=[
            # grant_type plural here (VENDORS.md §1).
            matchers.json_params_matcher(
                {"appid": CREDS["appid"], "app_secret": CREDS["app_secret"], "grant_type": "client_credentials"}
            ),
            matchers.request_kwargs_matcher({"timeout": 5.0}),
        ],
    )


def expect_history(mock, body: dict, reply: dict, token: str = "xy-token-1", status: int = 200):
    return mock.post(
        HISTORY_URL,
        json=reply,
        status=status,
        match=[
            # The token raw, no "Bearer" (VENDORS.md §1).
            matchers.header_matcher({"Authorization": token, "Content-Type": "application/json"}),
            matchers.json_params_matcher(body),
            matchers.request_kwargs_matcher({"timeout": 5.0}),
        ],
    )


@pytest.fixture
def client(make_config) -> XinyueClient:
    return XinyueClient(make_config("xinyue"))


def history_body(**fields: object) -> dict:
    return {"openid": OPENID, "start_time": 0, "end_time": 0, "page": 1, "page_size": 20} | fields


# --- what the profile declares -------------------------------------------------------------------------
def test_declared_capabilities_are_what_the_api_offers():
    assert XinyueClient.profile.capabilities == {Capability.MEMBER_BALANCE, Capability.MEMBER_HISTORY}
    assert XinyueClient.profile.history_directions == frozenset()
    assert not XinyueClient.profile.history_type_filter
    assert not XinyueClient.profile.history_has_balance_after


# --- history ----------------------------------------------------------------------------------------
def test_the_docs_example_reply_parses(vendor_http, client):
    expect_token(vendor_http)
    expect_history(vendor_http, history_body(), DOC_EXAMPLE)
    page = client.member_history(member=MEMBER, query=HistoryQuery())
    (row,) = page.items
    assert row.change == Decimal(100)
    assert row.direction == Direction.ADD
    assert row.description == "完成任务奖励积分"
    assert row.member_id == OPENID
    # 123467677 read as seconds (by magnitude): 1973, not a few hours after 1970.
    assert row.occurred_at == datetime(1973, 11, 30, 0, 34, 37, tzinfo=UTC)
    assert row.occurred_at.tzinfo is not None
    # total 23, but page 1 of 20 holds only 1 row: the total cannot be trusted.
    assert page.total == 23
    assert page.total_exact is False


def test_strings_where_the_table_says_strings_and_milliseconds_parse_too(vendor_http, client):
    reply = {
        "ret": 0,
        "msg": "",
        "data": {
            "list": [
                {"bill_type": 2, "amount": "30", "create_time": "1717200000123", "desc": "兑换礼品"},
                {"bill_type": "1", "amount": "12.5", "create_time": 1717100000, "desc": "签到"},
            ],
            "total": 2,
        },
    }
    expect_token(vendor_http)
    expect_history(vendor_http, history_body(), reply)
    page = client.member_history(member=MEMBER, query=HistoryQuery())
    spend, earn = page.items
    assert (spend.change, spend.direction) == (Decimal(-30), Direction.SUBTRACT)
    assert spend.occurred_at == datetime(2024, 6, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert (earn.change, earn.direction) == (Decimal("12.5"), Direction.ADD)
    assert (page.total, page.total_exact) == (2, True)


def test_an_end_on_a_whole_second_covers_all_of_that_second(vendor_http, client):
    # The forms end a day at 23:59:59; a record at 23:59:59.500 is still that day.
    end = datetime(2025, 5, 31, 23, 59, 59, tzinfo=SHANGHAI)
    expect_token(vendor_http)
    expect_history(
        vendor_http,
        history_body(start_time=1746028800000, end_time=1748707199999),
        {"ret": 0, "msg": "", "data": {"list": [], "total": 0}},
    )
    client.member_history(member=MEMBER, query=HistoryQuery(start=datetime(2025, 5, 1, tzinfo=SHANGHAI), end=end))


def test_the_date_range_goes_out_as_unix_milliseconds(vendor_http, client):
    start = datetime(2025, 5, 1, tzinfo=SHANGHAI)
    end = datetime(2025, 5, 31, 23, 59, 59, 999000, tzinfo=SHANGHAI)
    expect_token(vendor_http)
    expect_history(
        vendor_http,
        history_body(start_time=1746028800000, end_time=1748707199999, page=3, page_size=50),
        {"ret": 0, "msg": "", "data": {"list": [], "total": 100}},
    )
    page = client.member_history(member=MEMBER, query=HistoryQuery(start=start, end=end, page=3, page_size=50))
    assert page.items == ()
    assert (page.total, page.total_exact) == (100, True)


def test_an_empty_history_is_an_empty_page(vendor_http, client):
    expect_token(vendor_http)
    expect_history(vendor_http, history_body(), {"ret": 0, "msg": "", "data": {"list": [], "total": 0}})
    page = client.member_history(member=MEMBER, query=HistoryQuery())
    assert (page.items, page.total, page.has_next) == ((), 0, False)


def test_filters_the_vendor_lacks_are_refused_before_any_call(client):
    for query in (HistoryQuery(direction=Direction.ADD), HistoryQuery(type_code="X"), HistoryQuery(page_size=500)):
        with pytest.raises(VendorQueryError):
            client.member_history(member=MEMBER, query=query)
    with pytest.raises(VendorQueryError):
        client.member_history(member=MemberRef(LookupKind.MOBILE, "13800138000"), query=HistoryQuery())


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"list": "nope", "total": 1}, "data.list"),
        ({"list": [{"bill_type": 3, "amount": 1, "create_time": 1}], "total": 1}, "bill_type"),
        ({"list": [{"bill_type": 1, "amount": "ten", "create_time": 1}], "total": 1}, "amount"),
        ({"list": [{"bill_type": 1, "amount": 10}], "total": 1}, "create_time"),
        ({"list": [["not", "an", "object"]], "total": 1}, r"data.list\[0\]"),
        ({"list": [], "total": "many"}, "data.total"),
    ],
)
def test_wrong_shapes_are_bad_responses(vendor_http, client, data, field):
    expect_token(vendor_http)
    expect_history(vendor_http, history_body(), {"ret": 0, "msg": "", "data": data})
    with pytest.raises(VendorBadResponse, match=field):
        client.member_history(member=MEMBER, query=HistoryQuery())


def test_a_dead_token_answered_with_1001_heals_with_one_new_token(vendor_http, client):
    # Someone fetched a token for the same appid and ours died: the vendor says only 1001 (VENDORS.md §1).
    expect_token(vendor_http, "xy-token-1")
    expect_history(vendor_http, history_body(), DOC_ERROR, token="xy-token-1")
    expect_token(vendor_http, "xy-token-2")
    expect_history(vendor_http, history_body(), DOC_EXAMPLE, token="xy-token-2")
    page = client.member_history(member=MEMBER, query=HistoryQuery())
    assert [row.description for row in page.items] == ["完成任务奖励积分"]
    assert [call.request.url for call in vendor_http.calls] == [TOKEN_URL, HISTORY_URL, TOKEN_URL, HISTORY_URL]


def test_the_documented_error_is_shown_when_a_new_token_does_not_help(vendor_http, client):
    expect_token(vendor_http, "xy-token-1")
    expect_history(vendor_http, history_body(), DOC_ERROR, token="xy-token-1")
    expect_token(vendor_http, "xy-token-2")
    expect_history(vendor_http, history_body(), DOC_ERROR, token="xy-token-2")
    with pytest.raises(VendorRejected) as caught:
        client.member_history(member=MEMBER, query=HistoryQuery())
    assert caught.value.code == 1001
    assert DOC_ERROR["msg"] in caught.value.user_message()
    assert len(vendor_http.calls) == 4  # one new token, one retry


def test_a_request_the_vendor_rejects_does_not_fetch_a_token_every_time(vendor_http, make_config, monkeypatch):
    expect_token(vendor_http, "xy-token-1")
    expect_history(vendor_http, history_body(), DOC_ERROR, token="xy-token-1")
    expect_token(vendor_http, "xy-token-2")
    rejected = expect_history(vendor_http, history_body(), DOC_ERROR, token="xy-token-2")
    monkeypatch.setattr(TokenStore, "RENEWAL_INTERVAL_SECONDS", 1)
    for _ in range(3):  # three pages asking the same thing, each with a client of its own
        with pytest.raises(VendorRejected):
            XinyueClient(make_config("xinyue")).member_history(member=MEMBER, query=HistoryQuery())
    # One renewal for the first refusal; the next two are shown at once, with the same token.
    assert [call.request.url for call in vendor_http.calls].count(TOKEN_URL) == 2
    assert rejected.call_count == 3
    time.sleep(1.1)  # the interval is over: an unexplained refusal may renew the token again
    vendor_http.replace(responses.POST, TOKEN_URL, json=token_reply("xy-token-3"))
    expect_history(vendor_http, history_body(), DOC_EXAMPLE, token="xy-token-3")
    assert len(XinyueClient(make_config("xinyue")).member_history(member=MEMBER, query=HistoryQuery()).items) == 1


# --- balance ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [2580, "2580"])
def test_balance_is_data_amount(vendor_http, client, amount):
    expect_token(vendor_http)
    vendor_http.post(
        BALANCE_URL,
        json={"ret": 0, "msg": "", "data": {"amount": amount}},
        match=[
            matchers.json_params_matcher({"openid": OPENID}),
            matchers.header_matcher({"Authorization": "xy-token-1"}),
        ],
    )
    balance = client.member_balance(member=MEMBER)
    assert balance.total == balance.available == Decimal(2580)
    assert balance.frozen is None
    assert balance.member_id == OPENID
    assert balance.as_of.tzinfo is not None


def test_no_balance_data_means_the_vendor_does_not_know_the_member(vendor_http, client):
    expect_token(vendor_http)
    vendor_http.post(BALANCE_URL, json={"ret": 0, "msg": "", "data": None})
    assert client.member_balance(member=MEMBER) is None


# --- tokens -----------------------------------------------------------------------------------------
def test_a_token_refused_with_401_is_replaced_once_and_the_call_repeated_once(vendor_http, client):
    expect_token(vendor_http, "xy-token-1")
    expect_history(vendor_http, history_body(), {}, token="xy-token-1", status=401)
    expect_token(vendor_http, "xy-token-2")
    expect_history(vendor_http, history_body(), DOC_EXAMPLE, token="xy-token-2")
    page = client.member_history(member=MEMBER, query=HistoryQuery())
    assert len(page.items) == 1


def test_a_token_looking_error_code_also_gets_a_new_token(vendor_http, client):
    expect_token(vendor_http, "xy-token-1")
    expect_history(vendor_http, history_body(), {"ret": 4003, "msg": "access token expired"}, token="xy-token-1")
    expect_token(vendor_http, "xy-token-2")
    expect_history(vendor_http, history_body(), DOC_EXAMPLE, token="xy-token-2")
    assert len(client.member_history(member=MEMBER, query=HistoryQuery()).items) == 1


def test_a_second_refusal_is_an_auth_error_after_exactly_one_retry(vendor_http, client):
    expect_token(vendor_http, "xy-token-1")
    expect_history(vendor_http, history_body(), {}, token="xy-token-1", status=401)
    expect_token(vendor_http, "xy-token-2")
    expect_history(vendor_http, history_body(), {}, token="xy-token-2", status=401)
    with pytest.raises(VendorTokenRejected) as caught:
        client.member_history(member=MEMBER, query=HistoryQuery())
    assert isinstance(caught.value, VendorAuthError)
    assert len(vendor_http.calls) == 4


def test_a_refused_token_request_is_an_auth_error_and_no_data_call_is_made(vendor_http, client):
    vendor_http.post(TOKEN_URL, json={"ret": 1001, "msg": "appid 或 app_secret 错误"})
    with pytest.raises(VendorAuthError) as caught:
        client.member_balance(member=MEMBER)
    assert type(caught.value) is VendorAuthError
    assert caught.value.code == 1001
    assert "app_secret 错误" in caught.value.user_message()
    assert len(vendor_http.calls) == 1


def test_a_token_reply_without_a_token_is_a_bad_response(vendor_http, client):
    vendor_http.post(TOKEN_URL, json={"ret": 0, "msg": "ok", "data": {"expires_in": 7200}})
    with pytest.raises(VendorBadResponse, match="access_token"):
        client.member_balance(member=MEMBER)


def test_the_token_endpoint_down_is_retried_once_then_unavailable(vendor_http, client, pauses):
    vendor_http.post(TOKEN_URL, status=502)
    vendor_http.post(TOKEN_URL, status=502)
    with pytest.raises(VendorUnavailable):
        client.member_balance(member=MEMBER)
    assert len(vendor_http.calls) == 2


def test_the_token_never_appears_in_an_error(vendor_http, client):
    expect_token(vendor_http, "xy-token-abcdef123456")
    expect_history(
        vendor_http,
        history_body(),
        {"ret": 1002, "msg": "bad request for xy-token-abcdef123456"},
        token="xy-token-abcdef123456",
    )
    with pytest.raises(VendorRejected) as caught:
        client.member_history(member=MEMBER, query=HistoryQuery())
    assert "xy-token-abcdef123456" not in str(caught.value)
    assert "xy-token-abcdef123456" not in caught.value.user_message()


# --- test_connection --------------------------------------------------------------------------------
def test_connection_test_fetches_a_token_and_reads_once(vendor_http, client):
    expect_token(vendor_http)
    expect_history(
        vendor_http,
        {"openid": "pointsadmin-connection-test", "page": 1, "page_size": 1},
        {"ret": 0, "msg": "", "data": {"list": [], "total": 0}},
    )
    with translation.override("en"):
        assert client.test_connection() == "Token accepted; a test query succeeded."


def test_connection_test_passes_when_the_vendor_rejects_the_probe_openid(vendor_http, client):
    expect_token(vendor_http)
    expect_history(vendor_http, {"openid": "pointsadmin-connection-test", "page": 1, "page_size": 1}, DOC_ERROR)
    note = client.test_connection()
    assert "请求参数错误" in note


def test_connection_test_fails_on_bad_credentials(vendor_http, client):
    vendor_http.post(TOKEN_URL, status=403)
    with pytest.raises(VendorAuthError):
        client.test_connection()


def test_times_with_no_range_mean_unbounded(vendor_http, client):
    # 0 = unbounded on the vendor's side; an open end is sent as 0, not as "now".
    since = datetime.now(tz=UTC) - timedelta(days=3)
    since = since.replace(microsecond=0)
    expect_token(vendor_http)
    expect_history(
        vendor_http,
        history_body(start_time=int(since.timestamp()) * 1000),
        {"ret": 0, "msg": "", "data": {"list": [], "total": 0}},
    )
    client.member_history(member=MEMBER, query=HistoryQuery(start=since))
