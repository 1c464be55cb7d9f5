"""Kingdee JDY client against faked HTTP shaped as vendor-docs/kingdee-jdy-integral_record.md and VENDORS.md §3:
the signature (the vendor's own test vector), the signed app-token, string fields, balances from the newest
record, the page_size cap, every error shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import traceback
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
import responses
from django.utils import translation
from responses import matchers

from tests.conftest import TEST_CREDENTIALS
from tests.fake_replies import record, records_reply
from vendors import kingdee
from vendors.exceptions import (
    VendorAuthError,
    VendorBadResponse,
    VendorQueryError,
    VendorRejected,
    VendorTokenRejected,
    VendorUnavailable,
)
from vendors.kingdee import (
    KingdeeClient,
    app_signature,
    java_urlencode,
    kingdee_encode,
    kingdee_signature,
    string_to_sign,
)
from vendors.parsing import SHANGHAI
from vendors.results import Capability, Direction, HistoryQuery, LedgerQuery, LookupKind, MemberRef

BASE = "https://kingdee.vendor.test"
TOKEN_PATH = "/jdyconnector/app_management/kingdee_auth_token"
RECORDS_PATH = "/jdy/v2/ls/integral_record"
CREDS = TEST_CREDENTIALS["kingdee"]
APP_TOKEN = "kd-app-token-0001"
NONCE, TIMESTAMP = "4427456950", "1670305063559"

# The doc's reply example, as printed.
DOC_EXAMPLE = {
    "data": {
        "count": 100,
        "cur_page_size": 1,
        "page": 1,
        "page_size": 100,
        "rows": [
            {
                "create_time": "2022-08-05",
                "id": "1",
                "integral": "500",
                "last_integral": "500",
                "member_id": "1",
                "member_name": "会员A",
                "modify_time": "2022-08-05",
                "occur": "20",
                "type_id": "001",
                "type_name": "业务A",
                "type_number": "001",
            }
        ],
        "total_page": 10,
    },
    "description": "success",
    "errcode": 0,
}


# --- the signature ----------------------------------------------------------------------------------
def test_the_vendors_signature_test_vector():
    signature = kingdee_signature(
        client_secret="f2adcfef73369bfc4e1384677d38a0ff",
        method="GET",
        path="/jdyconnector/app_management/kingdee_auth_token",
        params={
            "app_key": "bVZgAZOv1",
            "app_signature": "MzZlYTk0ODk4MWZlNjdiODNmNWU4YzViNzYxNGM5MTFlOGJkN2NjMzk0MTJkZGNhZGM0NzZhN2YxZDJmOTlkZA==",
        },
        nonce="4427456950",
        timestamp="1670305063559",
    )
    assert signature == "OTFiZTliNDFiMjNkYTI3YzVhNzg4MDI4ZGU3MWY1ZTA5ZTk1NjVlNGM1YTI1ZjIxY2Y5YTA3ZGY2OGI1MGQ1MQ=="


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("a b", "a+b"),
        ("a=b", "a%3Db"),
        ("a*b", "a%2Ab"),  # java.net.URLEncoder keeps "*"; the gateway's encoder does not
        ("a~b", "a~b"),  # …and "~" stays, where java.net.URLEncoder writes %7E
        ("-_.", "-_."),
        ("会员A", "%E4%BC%9A%E5%91%98A"),
        ("/jdy/v2", "%2Fjdy%2Fv2"),
        ("a+b", "a%2Bb"),
    ],
)
def test_the_gateway_encoder_keeps_only_unreserved_characters(value, encoded):
    assert kingdee_encode(value) == encoded


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("a b", "a+b"),
        ("a=b", "a%3Db"),
        ("a*b", "a*b"),  # java.net.URLEncoder keeps "*"…
        ("a~b", "a%7Eb"),  # …and encodes "~"
        ("-_.", "-_."),
        ("会员A", "%E4%BC%9A%E5%91%98A"),
        ("a+b", "a%2Bb"),
    ],
)
def test_the_inner_encoder_is_javas_urlencoder(value, encoded):
    assert java_urlencode(value) == encoded


def test_values_are_encoded_twice_by_two_encoders_and_pairs_sorted():
    text = string_to_sign(
        method="get",
        path=RECORDS_PATH,
        params={"mobile": "138 0013", "member_id": "a=b*c~d", "integral_type": "会员"},
        nonce="1",
        timestamp="2",
    )
    assert text == (
        "GET\n"
        "%2Fjdy%2Fv2%2Fls%2Fintegral_record\n"
        "integral_type=%25E4%25BC%259A%25E5%2591%2598&member_id=a%253Db%2Ac%257Ed&mobile=138%2B0013\n"
        "x-api-nonce:1\n"
        "x-api-timestamp:2\n"
    )


# Computed with the vendor's own Java client, apigwclient 0.1.5 (VENDORS.md §3).
JAVA_CLIENT_VECTORS = [
    (
        {"integral_type": "a~b*c", "page": "1"},
        "integral_type=a%257Eb%2Ac&page=1",
        "OGE2NDNkYjMwNGJhOTU3ZTUwYTdmNzAyNzZjM2UxN2JlYzk4MjQ3MWI2NmIwMTBjYTkyNDc0NDg5MDA5Njk1MQ==",
    ),
    (
        {"integral_type": "签到 奖励+1", "start_date": "2025-05-01 00:00:00"},
        "integral_type=%25E7%25AD%25BE%25E5%2588%25B0%2B%25E5%25A5%2596%25E5%258A%25B1%252B1"
        "&start_date=2025-05-01%2B00%253A00%253A00",
        "MzZlZjAzMGJmOTE5ZTUzNDE0Mjk2MWIxNDM5NWFmMmFkYjE1Zjc1NDMxYzBjZGQxY2YwZTBjMDI0ZTQzY2Q3ZA==",
    ),
]


@pytest.mark.parametrize(("params", "query_line", "signature"), JAVA_CLIENT_VECTORS)
def test_the_vendors_java_client_vectors(params, query_line, signature):
    text = string_to_sign(method="GET", path=RECORDS_PATH, params=params, nonce="1234567890", timestamp="1700000000000")
    assert text.split("\n")[2] == query_line
    assert (
        kingdee_signature(
            client_secret="0b1c2d3e4f5a69788796a5b4c3d2e1f0",
            method="GET",
            path=RECORDS_PATH,
            params=params,
            nonce="1234567890",
            timestamp="1700000000000",
        )
        == signature
    )


def test_no_query_leaves_an_empty_line():
    assert string_to_sign(method="GET", path="/p", params={}, nonce="1", timestamp="2") == (
        "GET\n%2Fp\n\nx-api-nonce:1\nx-api-timestamp:2\n"
    )


def _base64_hex_hmac(key: str, text: str) -> str:
    """The formula of VENDORS.md §3 written out independently: base64 of the HMAC's hex text."""
    return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().encode()).decode()


def test_app_signature_is_base64_of_the_hex_text():
    expected = _base64_hex_hmac(CREDS["app_secret"], CREDS["app_key"])
    assert app_signature(app_key=CREDS["app_key"], app_secret=CREDS["app_secret"]) == expected
    raw = base64.b64encode(hmac.new(CREDS["app_secret"].encode(), CREDS["app_key"].encode(), hashlib.sha256).digest())
    assert expected != raw.decode()  # the easy mistake: base64 of the digest bytes


# --- faked vendor -----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def fixed_nonce_and_time(monkeypatch):
    monkeypatch.setattr(kingdee, "_nonce", lambda: NONCE)
    monkeypatch.setattr(kingdee, "_timestamp_ms", lambda: TIMESTAMP)


def signed_headers(method: str, path: str, query: str, app_token: str | None) -> dict[str, str]:
    """The headers the vendor expects, signed from a literal string_to_sign (not from our code)."""
    text = f"{method}\n{path}\n{query}\nx-api-nonce:{NONCE}\nx-api-timestamp:{TIMESTAMP}\n"
    headers = {
        "Content-Type": "application/json",  # "固定传" in the doc's header table, even on a GET
        "X-Api-ClientID": CREDS["client_id"],
        "X-Api-Auth-Version": "2.0",
        "X-Api-TimeStamp": TIMESTAMP,
        "X-Api-Nonce": NONCE,
        "X-Api-SignHeaders": "X-Api-TimeStamp,X-Api-Nonce",
        "X-Api-Signature": _base64_hex_hmac(CREDS["client_secret"], text),
        "X-GW-Router-Addr": CREDS["domain"],
    }
    if app_token:
        headers["app-token"] = app_token
    return headers


APP_SIGNATURE = _base64_hex_hmac(CREDS["app_secret"], CREDS["app_key"])


def expect_token(mock: responses.RequestsMock, token: str = APP_TOKEN, expires: object = None):
    expires = expires if expires is not None else 1_900_000_000_000
    encoded_signature = APP_SIGNATURE.replace("=", "%253D").replace("+", "%252B").replace("/", "%252F")
    return mock.get(
        BASE + TOKEN_PATH,
        json={"errcode": 0, "description": "成功", "data": {"app-token": token, "expires": expires}},
        match=[
            matchers.query_param_matcher({"app_key": CREDS["app_key"], "app_signature": APP_SIGNATURE}),
            matchers.header_matcher(
                signed_headers(
                    "GET",
                    "%2Fjdyconnector%2Fapp_management%2Fkingdee_auth_token",
                    f"app_key={CREDS['app_key']}&app_signature={encoded_signature}",
                    None,
                )
            ),
            matchers.request_kwargs_matcher({"timeout": 5.0}),
        ],
    )


def expect_records(mock, params: dict[str, str], reply: dict, *, token: str = APP_TOKEN, status: int = 200, query=""):
    match = [matchers.query_param_matcher(params), matchers.request_kwargs_matcher({"timeout": 5.0})]
    if query:
        match.append(matchers.header_matcher(signed_headers("GET", "%2Fjdy%2Fv2%2Fls%2Fintegral_record", query, token)))
    else:
        match.append(matchers.header_matcher({"app-token": token}))
    return mock.get(BASE + RECORDS_PATH, json=reply, status=status, match=match)


@pytest.fixture
def client(make_config) -> KingdeeClient:
    return KingdeeClient(make_config("kingdee"))


MEMBER = MemberRef(LookupKind.MEMBER_ID, "M001")


# --- what the profile declares -------------------------------------------------------------------------
def test_declared_capabilities_and_filters():
    assert KingdeeClient.profile.capabilities == {
        Capability.MEMBER_BALANCE,
        Capability.MEMBER_HISTORY,
        Capability.SHOP_LEDGER,
    }
    assert KingdeeClient.profile.history_has_balance_after is True
    assert KingdeeClient.profile.history_type_filter is True
    assert KingdeeClient.profile.history_directions == frozenset()
    assert KingdeeClient.profile.max_page_size == 100


# --- the app-token ----------------------------------------------------------------------------------
def test_the_app_token_request_is_itself_signed(vendor_http, client):
    expect_token(vendor_http)
    assert client.tokens.get() == APP_TOKEN


def test_every_records_call_is_signed_with_the_app_token(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http,
        {"member_id": "M001", "page": "1", "page_size": "20"},
        records_reply([record()]),
        query="member_id=M001&page=1&page_size=20",
    )
    page = client.member_history(member=MEMBER, query=HistoryQuery())
    assert len(page.items) == 1


@pytest.mark.parametrize("expires", [1_900_000_000_000, "1900000000000", 1_900_000_000, 86400, None, "soon", True])
def test_any_reading_of_expires_gives_a_usable_token(vendor_http, client, expires):
    vendor_http.get(
        BASE + TOKEN_PATH,
        json={"errcode": 0, "description": "成功", "data": {"app-token": APP_TOKEN, "expires": expires}},
    )
    token = client.fetch_token()
    assert token.value == APP_TOKEN
    assert datetime.now(tz=UTC).timestamp() + 60 < token.expires_at <= datetime.now(tz=UTC).timestamp() + 24 * 3600


def test_a_refused_app_secret_at_the_token_endpoint_is_an_auth_error(vendor_http, client):
    vendor_http.get(BASE + TOKEN_PATH, json={"errcode": 1030002006, "description": "app secret 校验失败"})
    with pytest.raises(VendorAuthError) as caught:
        client.member_balance(member=MEMBER)
    assert caught.value.code == 1030002006
    assert len(vendor_http.calls) == 1


def test_errcode_1030002006_gets_a_new_app_token_and_one_retry(vendor_http, client):
    expect_token(vendor_http, "kd-old")
    expect_records(
        vendor_http,
        {"member_id": "M001", "page": "1", "page_size": "1"},
        {"errcode": 1030002006, "description": "app secret check failed"},
        token="kd-old",
    )
    expect_token(vendor_http, "kd-new")
    expect_records(
        vendor_http, {"member_id": "M001", "page": "1", "page_size": "1"}, records_reply([record()]), token="kd-new"
    )
    assert client.member_balance(member=MEMBER).total == Decimal(480)


def test_a_second_1030002006_stops_after_one_retry(vendor_http, client):
    for token in ("kd-1", "kd-2"):
        expect_token(vendor_http, token)
        expect_records(
            vendor_http,
            {"member_id": "M001", "page": "1", "page_size": "1"},
            {"errcode": 1030002006, "description": "app secret check failed"},
            token=token,
        )
    with pytest.raises(VendorTokenRejected):
        client.member_balance(member=MEMBER)
    assert len(vendor_http.calls) == 4


def test_http_519_is_a_signature_error_without_retry_or_new_token(vendor_http, client, pauses):
    expect_token(vendor_http)
    expect_records(vendor_http, {"member_id": "M001", "page": "1", "page_size": "1"}, {}, status=519)
    with pytest.raises(VendorAuthError) as caught, translation.override("en"):
        client.member_balance(member=MEMBER)
    assert type(caught.value) is VendorAuthError
    assert caught.value.status == 519
    assert "signature" in caught.value.user_message()
    assert len(vendor_http.calls) == 2
    assert pauses == []


def test_system_error_2000002000_is_unavailable(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http,
        {"member_id": "M001", "page": "1", "page_size": "1"},
        {"errcode": 2000002000, "description": "系统错误,请到开发者社区提单反馈"},
    )
    with pytest.raises(VendorUnavailable) as caught:
        client.member_balance(member=MEMBER)
    assert caught.value.code == 2000002000


def test_other_error_codes_are_shown(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http, {"member_id": "M001", "page": "1", "page_size": "1"}, {"errcode": 123, "description": "会员不存在"}
    )
    with pytest.raises(VendorRejected) as caught:
        client.member_balance(member=MEMBER)
    assert "会员不存在" in caught.value.user_message()


def test_429_is_retried_then_rate_limited(vendor_http, client, pauses):
    from vendors.exceptions import VendorRateLimited

    expect_token(vendor_http)
    for _ in range(3):
        expect_records(vendor_http, {"member_id": "M001", "page": "1", "page_size": "1"}, {}, status=429)
    with pytest.raises(VendorRateLimited):
        client.member_balance(member=MEMBER)
    assert len(pauses) == 2


def test_a_missing_credential_is_an_auth_error_naming_the_field(client, make_config):
    config = make_config("kingdee", credentials={**CREDS, "domain": ""})
    with pytest.raises(VendorAuthError, match="domain"):
        KingdeeClient(config).tokens.get()


# --- records ----------------------------------------------------------------------------------------
def test_the_docs_example_reply_parses(vendor_http, client):
    expect_token(vendor_http)
    expect_records(vendor_http, {"member_id": "1", "page": "1", "page_size": "100"}, DOC_EXAMPLE)
    page = client.member_history(member=MemberRef(LookupKind.MEMBER_ID, "1"), query=HistoryQuery(page_size=100))
    (row,) = page.items
    assert row.occurred_at == datetime(2022, 8, 5, tzinfo=SHANGHAI)  # a bare date, Beijing midnight
    assert (row.balance_before, row.balance_after) == (Decimal(500), Decimal(500))
    # occur 20 with no change of balance: nothing says it was a subtraction, so it is taken as given.
    assert (row.change, row.direction) == (Decimal(20), Direction.ADD)
    assert (row.type_code, row.type_name, row.member_name) == ("001", "业务A", "会员A")
    # count 100 but one row on page 1 of 100: the total cannot be trusted.
    assert (page.total, page.total_exact) == (100, False)


@pytest.mark.parametrize(
    ("fields", "change", "direction"),
    [
        ({"integral": "480", "last_integral": "500", "occur": "20"}, -20, Direction.SUBTRACT),  # sign missing
        ({"integral": "480", "last_integral": "500", "occur": "-20"}, -20, Direction.SUBTRACT),
        ({"integral": "520", "last_integral": "500", "occur": "20"}, 20, Direction.ADD),
        ({"integral": "520", "last_integral": "500", "occur": ""}, 20, Direction.ADD),  # occur missing
        ({"integral": "", "last_integral": "", "occur": "-7.5"}, Decimal("-7.5"), Direction.SUBTRACT),
        ({"integral": 480, "last_integral": 500, "occur": 20}, -20, Direction.SUBTRACT),  # numbers, not strings
    ],
)
def test_the_sign_of_a_change(vendor_http, client, fields, change, direction):
    expect_token(vendor_http)
    expect_records(
        vendor_http, {"member_id": "M001", "page": "1", "page_size": "20"}, records_reply([record(**fields)])
    )
    (row,) = client.member_history(member=MEMBER, query=HistoryQuery()).items
    assert (row.change, row.direction) == (change, direction)


def test_full_timestamps_are_beijing_time(vendor_http, client):
    expect_token(vendor_http)
    expect_records(vendor_http, {"member_id": "M001", "page": "1", "page_size": "20"}, records_reply([record()]))
    (row,) = client.member_history(member=MEMBER, query=HistoryQuery()).items
    assert row.occurred_at == datetime(2025, 5, 20, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"create_time": "20/05/2025"}, "create_time"),
        ({"create_time": None}, "create_time"),
        ({"integral": "many"}, "integral"),
        ({"occur": "", "integral": "", "last_integral": ""}, "occur"),
    ],
)
def test_unreadable_rows_are_bad_responses(vendor_http, client, row, field):
    expect_token(vendor_http)
    reply = records_reply([record(), record(**row)])
    expect_records(vendor_http, {"member_id": "M001", "page": "1", "page_size": "20"}, reply)
    # The message names the row and the field: "… could not read (data.rows[1].occur)."
    with pytest.raises(VendorBadResponse, match=rf"data\.rows\[1\]\.{field}\b"):
        client.member_history(member=MEMBER, query=HistoryQuery())


def test_no_data_or_wrong_rows_are_bad_responses(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http, {"member_id": "M001", "page": "1", "page_size": "20"}, {"errcode": 0, "data": {"rows": {}}}
    )
    with pytest.raises(VendorBadResponse, match="rows"):
        client.member_history(member=MEMBER, query=HistoryQuery())


def test_a_count_that_disagrees_with_total_page_is_inexact(vendor_http, client):
    expect_token(vendor_http)
    reply = records_reply([record(id=str(i)) for i in range(20)], count=45)
    reply["data"]["total_page"] = 1  # 45 rows in pages of 20 are 3 pages, not 1
    expect_records(vendor_http, {"member_id": "M001", "page": "1", "page_size": "20"}, reply)
    page = client.member_history(member=MEMBER, query=HistoryQuery())
    assert (page.total, page.total_exact) == (45, False)


def test_history_filters_go_out_as_strings_in_beijing_time(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http,
        {
            "mobile": "13800138000",
            "integral_type": "EXCHANGE",
            "start_date": "2025-05-01 00:00:00",
            "end_date": "2025-05-31 23:59:59",
            "page": "2",
            "page_size": "50",
        },
        records_reply([]),
    )
    query = HistoryQuery(
        start=datetime(2025, 4, 30, 16, 0, tzinfo=UTC),
        end=datetime(2025, 5, 31, 23, 59, 59, tzinfo=SHANGHAI),
        type_code=" EXCHANGE ",
        page=2,
        page_size=50,
    )
    client.member_history(member=MemberRef(LookupKind.MOBILE, "+86 138 0013 8000"), query=query)


def test_page_size_over_100_is_never_asked(vendor_http, client):
    with pytest.raises(VendorQueryError):
        client.member_history(member=MEMBER, query=HistoryQuery(page_size=200))
    with pytest.raises(VendorQueryError):
        client.shop_ledger(query=LedgerQuery(page_size=101))
    assert len(vendor_http.calls) == 0


def test_the_direction_filter_is_not_offered(client):
    with pytest.raises(VendorQueryError):
        client.member_history(member=MEMBER, query=HistoryQuery(direction=Direction.ADD))


# --- balance ----------------------------------------------------------------------------------------
def test_the_balance_is_the_integral_of_the_newest_record(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http,
        {"mobile": "13800138000", "page": "1", "page_size": "1"},
        records_reply([record(integral="480", member_id="M001", member_name="张三")], count=37, page_size=1),
    )
    balance = client.member_balance(member=MemberRef(LookupKind.MOBILE, "13800138000"))
    assert (balance.total, balance.available, balance.frozen) == (Decimal(480), Decimal(480), None)
    assert (balance.member_id, balance.name) == ("M001", "张三")


def test_the_balance_comes_from_the_latest_row_not_the_first(vendor_http, client):
    # The doc promises no order of rows: the newest is found by time, then by the highest id.
    expect_token(vendor_http)
    rows = [
        record(id="7", create_time="2025-05-19 10:00:00", integral="300"),
        record(id="9", create_time="2025-05-20 14:30:00", integral="480"),
        record(id="10", create_time="2025-05-20 14:30:00", integral="510"),  # same second, higher id: newest
        record(id="8", create_time="2025-05-20 09:00:00", integral="450"),
    ]
    expect_records(vendor_http, {"member_id": "M001", "page": "1", "page_size": "20"}, records_reply(rows))
    page = client.member_history(member=MEMBER, query=HistoryQuery())
    balance = client.balance_from_history(member=MEMBER, page=page)
    assert balance.total == Decimal(510)


def test_a_member_without_records_has_no_balance(vendor_http, client):
    expect_token(vendor_http)
    expect_records(vendor_http, {"member_id": "M404", "page": "1", "page_size": "1"}, records_reply([]))
    assert client.member_balance(member=MemberRef(LookupKind.MEMBER_ID, "M404")) is None


def test_a_newest_record_without_a_balance_is_a_bad_response(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http, {"member_id": "M001", "page": "1", "page_size": "1"}, records_reply([record(integral="")])
    )
    with pytest.raises(VendorBadResponse, match="integral"):
        client.member_balance(member=MEMBER)


def test_an_openid_is_not_a_kingdee_member(client):
    with pytest.raises(VendorQueryError):
        client.member_balance(member=MemberRef(LookupKind.OPENID, "oXabc123"))


# --- shop ledger ------------------------------------------------------------------------------------
def test_the_shop_ledger_has_no_member_filter_unless_asked(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http,
        {"page": "1", "page_size": "20"},
        records_reply([record(id="1", member_id="M1"), record(id="2", member_id="M2")]),
        query="page=1&page_size=20",
    )
    page = client.shop_ledger(query=LedgerQuery())
    assert [row.member_id for row in page.items] == ["M1", "M2"]


def test_the_shop_ledger_filters(vendor_http, client):
    expect_token(vendor_http)
    expect_records(
        vendor_http,
        {
            "member_id": "M001",
            "mobile": "13800138000",
            "integral_type": "SIGN",
            "start_date": "2025-05-01 00:00:00",
            "page": "3",
            "page_size": "10",
        },
        records_reply([], count=25, page_size=10),
    )
    page = client.shop_ledger(
        query=LedgerQuery(
            member_id="M001",
            mobile="138-0013-8000",
            type_code="SIGN",
            start=datetime(2025, 5, 1, tzinfo=SHANGHAI),
            page=3,
            page_size=10,
        )
    )
    assert page.total == 25
    assert page.total_exact is False  # page 3 of 25 rows should hold 5


# --- test_connection --------------------------------------------------------------------------------
def test_connection_test_reads_one_record(vendor_http, client):
    expect_token(vendor_http)
    expect_records(vendor_http, {"page": "1", "page_size": "1"}, records_reply([record()], count=812, page_size=1))
    with translation.override("en"):
        assert client.test_connection() == "App-token accepted; the shop has 812 points records."


def test_no_secret_or_signature_in_any_error(vendor_http, client, pauses):
    # urllib3 quotes the URL in its errors; the token request's query holds the app signature.
    leaky = f"Max retries exceeded with url: {TOKEN_PATH}?app_key={CREDS['app_key']}&app_signature={APP_SIGNATURE}"
    vendor_http.get(BASE + TOKEN_PATH, status=500)
    vendor_http.get(BASE + TOKEN_PATH, body=requests.ConnectionError(leaky))
    with pytest.raises(VendorUnavailable) as caught:
        client.member_balance(member=MEMBER)
    text = str(caught.value) + caught.value.user_message() + "".join(traceback.format_exception(caught.value))
    assert "Max retries exceeded" in text
    for secret in (CREDS["client_secret"], CREDS["app_secret"], APP_SIGNATURE):
        assert secret not in text
