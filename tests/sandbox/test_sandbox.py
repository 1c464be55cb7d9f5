"""The vendor sandbox speaks the documented APIs: checked over real HTTP with plain `requests`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from urllib.parse import quote_plus

import pytest
import requests

from sandbox.core import SandboxState
from sandbox.demo import BENCH_ACCOUNTS, DEMO_IDENTIFIERS, TEST_ACCOUNTS
from sandbox.signing import canonical_string, gateway_signature
from sandbox.testing import SandboxHandle, running_sandbox
from tests.conftest import TEST_CREDENTIALS
from vendors.kingdee import KingdeeClient
from vendors.results import ConnectionConfig

XIAOE = TEST_CREDENTIALS["xiaoe"]
# The vendor documents' example (VENDORS.md §3).
VECTOR_APP_SIGNATURE = "MzZlYTk0ODk4MWZlNjdiODNmNWU4YzViNzYxNGM5MTFlOGJkN2NjMzk0MTJkZGNhZGM0NzZhN2YxZDJmOTlkZA=="
XINYUE = TEST_CREDENTIALS["xinyue"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture(autouse=True)
def _reset(sandbox: SandboxHandle) -> None:
    sandbox.reset()


def test_the_test_accounts_are_the_suites_credentials():
    assert {account["vendor"]: account["credentials"] for account in TEST_ACCOUNTS} == TEST_CREDENTIALS


def test_the_signature_matches_the_vendor_documents_test_vector():
    signature = gateway_signature(
        "f2adcfef73369bfc4e1384677d38a0ff",
        "GET",
        "/jdyconnector/app_management/kingdee_auth_token",
        [
            ("app_key", "bVZgAZOv1"),
            (
                "app_signature",
                "MzZlYTk0ODk4MWZlNjdiODNmNWU4YzViNzYxNGM5MTFlOGJkN2NjMzk0MTJkZGNhZGM0NzZhN2YxZDJmOTlkZA==",
            ),
        ],
        "4427456950",
        "1670305063559",
    )
    assert signature == "OTFiZTliNDFiMjNkYTI3YzVhNzg4MDI4ZGU3MWY1ZTA5ZTk1NjVlNGM1YTI1ZjIxY2Y5YTA3ZGY2OGI1MGQ1MQ=="


def _xiaoe_token(sandbox: SandboxHandle) -> str:
    reply = requests.get(
        f"{sandbox.base_url}/token",
        params={**{k: XIAOE[k] for k in ("app_id", "client_id", "secret_key")}, "grant_type": "client_credential"},
        timeout=5,
    ).json()
    assert reply["code"] == 0
    assert reply["data"]["access_token"].startswith("xe_")
    return reply["data"]["access_token"]


def _batch(sandbox: SandboxHandle, **body: object) -> dict:
    return requests.post(f"{sandbox.base_url}/xe.account.info.batch/1.0.0", json=body, timeout=5).json()


def test_xiaoe_wrong_secret_is_code_2001(sandbox):
    reply = requests.get(
        f"{sandbox.base_url}/token",
        params={"app_id": XIAOE["app_id"], "secret_key": "wrong", "grant_type": "client_credential"},
        timeout=5,
    ).json()
    assert reply["code"] == 2001


def test_xiaoe_empty_user_ids_match_nobody_and_null_matches_everybody(sandbox):
    token = _xiaoe_token(sandbox)
    nobody = _batch(sandbox, access_token=token, user_ids=[], page="1", page_size="10")
    everybody = _batch(sandbox, access_token=token, user_ids=None, page="1", page_size="10")
    assert nobody["data"]["list"] == []
    assert nobody["data"]["page"]["total"] == 0
    assert everybody["data"]["page"]["total"] == len(SandboxState().datasets["xiaoe"].members)


def test_xiaoe_sort_rules_and_balances_add_up(sandbox):
    token = _xiaoe_token(sandbox)
    rows = _batch(sandbox, access_token=token, user_ids=None, sort_rule=22, page="1", page_size="50")["data"]["list"]
    available = [row["balance"] for row in rows]
    assert available == sorted(available)
    assert all(row["total_balance"] == row["balance"] + row["freeze_balance"] for row in rows)


def test_xiaoe_rate_limit_counts_every_call_over_the_limit(sandbox):
    sandbox.set_knobs("xiaoe", rate_limit=5)
    token = _xiaoe_token(sandbox)
    statuses = [
        requests.post(
            f"{sandbox.base_url}/xe.account.info.batch/1.0.0",
            json={"access_token": token, "user_ids": [], "page": "1", "page_size": "1"},
            timeout=5,
        ).status_code
        for _ in range(8)
    ]
    assert statuses == [200] * 5 + [429] * 3
    assert sandbox.counters()["rate_limit_violations:xiaoe"] == 3


def _xinyue_token(sandbox: SandboxHandle) -> str:
    reply = requests.post(
        f"{sandbox.base_url}/upbot/api/auth/GetAccessToken",
        json={**XINYUE, "grant_type": "client_credentials"},
        timeout=5,
    ).json()
    return reply["data"]["access_token"]


def _xinyue(sandbox: SandboxHandle, path: str, token: str, **body: object) -> dict:
    return requests.post(f"{sandbox.base_url}{path}", json=body, headers={"Authorization": token}, timeout=5).json()


DOC_ERROR = {"ret": 1001, "msg": "请求参数错误，请稍后再试"}  # noqa: RUF001 - the vendor's own text


def test_xinyue_answers_a_dead_token_with_the_generic_1001(sandbox):
    # No "token expired" code is documented: the harsher reading gives the client no word to go by.
    sandbox.set_knobs("xinyue", token_lifetime=1)
    token = _xinyue_token(sandbox)
    body = {"openid": DEMO_IDENTIFIERS["xinyue_openid"]}
    assert _xinyue(sandbox, "/upbot/api/GetUserClubPoints", token, **body)["ret"] == 0
    time.sleep(1.2)
    assert _xinyue(sandbox, "/upbot/api/GetUserClubPoints", token, **body) == DOC_ERROR
    assert _xinyue(sandbox, "/upbot/api/GetUserClubPoints", "xy_never-issued", **body) == DOC_ERROR


def test_a_mass_revocation_kills_every_token_of_the_vendor_at_once(sandbox):
    token = _xinyue_token(sandbox)
    body = {"openid": DEMO_IDENTIFIERS["xinyue_openid"]}
    sandbox.revoke_tokens("xinyue")
    assert _xinyue(sandbox, "/upbot/api/GetUserClubPoints", token, **body) == DOC_ERROR
    assert _xinyue(sandbox, "/upbot/api/GetUserClubPoints", _xinyue_token(sandbox), **body)["ret"] == 0


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [("page", 1, True), ("page", "1", False), ("page_size", "10", False), ("start_time", "0", False),
     ("end_time", 1.5, False), ("page", True, False), ("page_size", 100, True)],
)  # fmt: skip
def test_xinyue_wants_integers_where_the_doc_shows_integers(sandbox, field, value, accepted):
    token = _xinyue_token(sandbox)
    body = {"openid": DEMO_IDENTIFIERS["xinyue_openid"], field: value}
    reply = _xinyue(sandbox, "/upbot/api/GetUserClubPointsList", token, **body)
    assert (reply["ret"] == 0) is accepted


def test_xinyue_wants_the_openid_as_a_string(sandbox):
    token = _xinyue_token(sandbox)
    assert _xinyue(sandbox, "/upbot/api/GetUserClubPoints", token, openid=12345678) == DOC_ERROR


def test_xinyue_wrong_credentials_are_the_generic_1001_too(sandbox):
    reply = requests.post(
        f"{sandbox.base_url}/upbot/api/auth/GetAccessToken",
        json={"appid": XINYUE["appid"], "app_secret": "wrong", "grant_type": "client_credentials"},
        timeout=5,
    ).json()
    assert reply == DOC_ERROR


@pytest.mark.parametrize(("page", "page_size", "accepted"), [("1", "10", True), (1, "10", False), ("1", 10, False)])
def test_xiaoe_info_batch_wants_paging_as_strings(sandbox, page, page_size, accepted):
    token = _xiaoe_token(sandbox)
    reply = _batch(sandbox, access_token=token, user_ids=None, page=page, page_size=page_size)
    assert (reply["code"] == 0) is accepted


def _flows(sandbox: SandboxHandle, token: str, **body: object) -> dict:
    body = {"access_token": token, "account_type": "INTEGRAL", "user_id": DEMO_IDENTIFIERS["xiaoe_user_id"], **body}
    return requests.post(f"{sandbox.base_url}/xe.account.flow.list/1.0.0", json=body, timeout=5).json()


def test_xiaoe_flow_list_wants_paging_as_strings_and_can_leave_the_total_out(sandbox):
    token = _xiaoe_token(sandbox)
    assert _flows(sandbox, token, page=1, page_size=10)["code"] != 0
    with_total = _flows(sandbox, token, page="1", page_size="10")
    assert with_total["code"] == 0
    assert "total" in with_total["data"]["page"]
    sandbox.set_knobs("xiaoe", flow_list_total=False)
    without = _flows(sandbox, token, page="1", page_size="10")
    assert without["data"] == {"list": with_total["data"]["list"]}


def test_xiaoe_token_endpoint_enforces_its_limit(sandbox):
    config = requests.get(f"{sandbox.base_url}/_sandbox/config", timeout=5).json()
    assert (config["xiaoe"]["token_limit"], config["xiaoe"]["token_limit_seconds"]) == (100, 600)
    sandbox.set_knobs("xiaoe", token_limit=3)
    for _ in range(3):
        _xiaoe_token(sandbox)
    refused = requests.get(
        f"{sandbox.base_url}/token",
        params={**{k: XIAOE[k] for k in ("app_id", "client_id", "secret_key")}, "grant_type": "client_credential"},
        timeout=5,
    )
    assert refused.status_code == 429
    assert refused.json()["code"] != 0
    assert sandbox.counters()["token_limit_violations:xiaoe"] == 1


def _kingdee_get(
    sandbox: SandboxHandle,
    path: str,
    params: dict[str, str],
    *,
    app_token: str = "",
    secret: str = "",
    credentials: dict[str, str] | None = None,
):
    credentials = {**(credentials or TEST_CREDENTIALS["kingdee"])}
    client = KingdeeClient(ConnectionConfig(1, "kingdee", sandbox.base_url, credentials, 5.0))
    headers = client.signed_headers(method="GET", path=path, params=params, app_token=app_token)
    if secret:
        headers["X-Api-Signature"] = gateway_signature(
            secret, "GET", path, list(params.items()), headers["X-Api-Nonce"], headers["X-Api-TimeStamp"]
        )
    return requests.get(f"{sandbox.base_url}{path}", params=params, headers=headers, timeout=5)


def _kingdee_token(sandbox: SandboxHandle, credentials: dict[str, str] | None = None) -> str:
    from vendors.kingdee import app_signature

    credentials = credentials or TEST_CREDENTIALS["kingdee"]
    params = {
        "app_key": credentials["app_key"],
        "app_signature": app_signature(app_key=credentials["app_key"], app_secret=credentials["app_secret"]),
    }
    path = "/jdyconnector/app_management/kingdee_auth_token"
    reply = _kingdee_get(sandbox, path, params, credentials=credentials).json()
    assert reply["errcode"] == 0
    return reply["data"]["app-token"]


JAVA_CLIENT_VECTORS = [
    (
        [("integral_type", "a~b*c"), ("page", "1")],
        "integral_type=a%257Eb%2Ac&page=1",
        "OGE2NDNkYjMwNGJhOTU3ZTUwYTdmNzAyNzZjM2UxN2JlYzk4MjQ3MWI2NmIwMTBjYTkyNDc0NDg5MDA5Njk1MQ==",
    ),
    (
        [("integral_type", "签到 奖励+1"), ("start_date", "2025-05-01 00:00:00")],
        "integral_type=%25E7%25AD%25BE%25E5%2588%25B0%2B%25E5%25A5%2596%25E5%258A%25B1%252B1"
        "&start_date=2025-05-01%2B00%253A00%253A00",
        "MzZlZjAzMGJmOTE5ZTUzNDE0Mjk2MWIxNDM5NWFmMmFkYjE1Zjc1NDMxYzBjZGQxY2YwZTBjMDI0ZTQzY2Q3ZA==",
    ),
]


@pytest.mark.parametrize(("pairs", "query_line", "signature"), JAVA_CLIENT_VECTORS)
def test_the_signature_matches_the_vendors_java_client(pairs, query_line, signature):
    secret, path, nonce, timestamp = (
        "0b1c2d3e4f5a69788796a5b4c3d2e1f0",
        "/jdy/v2/ls/integral_record",
        "1234567890",
        "1700000000000",
    )
    assert canonical_string("GET", path, pairs, nonce, timestamp).split("\n")[2] == query_line
    assert gateway_signature(secret, "GET", path, pairs, nonce, timestamp) == signature


def test_kingdee_accepts_a_type_code_with_star_and_tilde_signed_by_the_vendors_rule(sandbox):
    token = _kingdee_token(sandbox)
    params = {"integral_type": "a~b*c", "page": "1", "page_size": "10"}
    reply = _kingdee_get(sandbox, "/jdy/v2/ls/integral_record", params, app_token=token)
    assert (reply.status_code, reply.json()["errcode"]) == (200, 0)


def test_kingdee_rejects_a_signature_made_with_quote_plus_twice(sandbox):
    # The easy mistake (VENDORS.md §3): Python's quote_plus as the inner encoder gets "*" and "~" wrong.
    token = _kingdee_token(sandbox)
    params = {"integral_type": "a~b*c", "page": "1"}
    headers = KingdeeClient(
        ConnectionConfig(1, "kingdee", sandbox.base_url, {**TEST_CREDENTIALS["kingdee"]}, 5.0)
    ).signed_headers(method="GET", path="/jdy/v2/ls/integral_record", params=params, app_token=token)
    wrong = "\n".join(
        [
            "GET",
            quote_plus("/jdy/v2/ls/integral_record", safe=""),
            "&".join(sorted(f"{k}={quote_plus(quote_plus(v, safe=''), safe='')}" for k, v in params.items())),
            f"x-api-nonce:{headers['X-Api-Nonce']}",
            f"x-api-timestamp:{headers['X-Api-TimeStamp']}",
            "",
        ]
    )
    headers["X-Api-Signature"] = base64.b64encode(
        hmac.new(TEST_CREDENTIALS["kingdee"]["client_secret"].encode(), wrong.encode(), hashlib.sha256)
        .hexdigest()
        .encode()
    ).decode()
    response = requests.get(f"{sandbox.base_url}/jdy/v2/ls/integral_record", params=params, headers=headers, timeout=5)
    assert response.status_code == 519


def test_every_vendor_call_must_say_its_body_is_json(sandbox):
    # "Content-Type: application/json" is required by each doc's header table, Kingdee's even on a GET.
    def without_content_type(method: str, path: str, **kwargs: object) -> requests.Response:
        request = requests.Request(method, f"{sandbox.base_url}{path}", **kwargs).prepare()
        request.headers.pop("Content-Type", None)
        with requests.Session() as session:
            return session.send(request, timeout=5)

    xinyue_token = {**XINYUE, "grant_type": "client_credentials"}
    assert without_content_type("POST", "/upbot/api/auth/GetAccessToken", data=json.dumps(xinyue_token)).json() == {
        "ret": 1001,
        "msg": "请求参数错误，请稍后再试",  # noqa: RUF001 - the vendor's own text
    }
    batch = {"access_token": _xiaoe_token(sandbox), "user_ids": [], "page": "1", "page_size": "1"}
    assert without_content_type("POST", "/xe.account.info.batch/1.0.0", data=json.dumps(batch)).json()["code"] == 1001
    kingdee = _kingdee_token(sandbox)
    headers = KingdeeClient(
        ConnectionConfig(1, "kingdee", sandbox.base_url, {**TEST_CREDENTIALS["kingdee"]}, 5.0)
    ).signed_headers(method="GET", path="/jdy/v2/ls/integral_record", params={"page": "1"}, app_token=kingdee)
    del headers["Content-Type"]
    reply = without_content_type("GET", "/jdy/v2/ls/integral_record", params={"page": "1"}, headers=headers)
    assert reply.json()["errcode"] == 1001001
    # The same calls with the header are answered (Xiaoe's token is a GET of a query string: no header needed).
    assert _xinyue_token(sandbox)
    ok = requests.post(f"{sandbox.base_url}/xe.account.info.batch/1.0.0", json=batch, timeout=5).json()
    assert ok["code"] == 0
    headers["Content-Type"] = "application/json"
    reply = requests.get(
        f"{sandbox.base_url}/jdy/v2/ls/integral_record", params={"page": "1"}, headers=headers, timeout=5
    )
    assert reply.json()["errcode"] == 0


def test_kingdee_token_endpoint_allows_two_calls_a_minute(sandbox):
    _kingdee_token(sandbox)
    _kingdee_token(sandbox)
    credentials = TEST_CREDENTIALS["kingdee"]
    from vendors.kingdee import app_signature

    params = {
        "app_key": credentials["app_key"],
        "app_signature": app_signature(app_key=credentials["app_key"], app_secret=credentials["app_secret"]),
    }
    third = _kingdee_get(sandbox, "/jdyconnector/app_management/kingdee_auth_token", params)
    assert third.status_code == 429
    assert sandbox.counters()["token_limit_violations:kingdee"] == 1


def test_kingdee_can_serve_the_rows_of_a_page_in_no_order(sandbox):
    token = _kingdee_token(sandbox)
    params = {"member_id": DEMO_IDENTIFIERS["kingdee_member_id_10k"], "page": "1", "page_size": "100"}
    ordered = _kingdee_get(sandbox, "/jdy/v2/ls/integral_record", params, app_token=token).json()["data"]["rows"]
    sandbox.set_knobs("kingdee", shuffle_rows=True)
    shuffled = _kingdee_get(sandbox, "/jdy/v2/ls/integral_record", params, app_token=token).json()["data"]["rows"]
    assert shuffled != ordered
    assert sorted(shuffled, key=lambda row: row["id"]) == sorted(ordered, key=lambda row: row["id"])


def test_kingdee_rejects_a_wrong_signature_with_http_519(sandbox):
    response = _kingdee_get(sandbox, "/jdy/v2/ls/integral_record", {"page": "1"}, secret="not-the-client-secret")
    assert response.status_code == 519
    assert sandbox.counters()["signature_failures:kingdee"] == 1


def test_kingdee_cuts_page_size_to_100_but_counts_pages_by_the_size_asked(sandbox):
    token = _kingdee_token(sandbox)
    reply = _kingdee_get(sandbox, "/jdy/v2/ls/integral_record", {"page": "1", "page_size": "500"}, app_token=token)
    data = reply.json()["data"]
    assert len(data["rows"]) == 100
    assert data["total_page"] == -(-data["count"] // 500)


def test_kingdee_rows_are_strings_newest_first_and_consistent(sandbox):
    token = _kingdee_token(sandbox)
    params = {"mobile": DEMO_IDENTIFIERS["shared_mobile"], "page": "1", "page_size": "50"}
    rows = _kingdee_get(sandbox, "/jdy/v2/ls/integral_record", params, app_token=token).json()["data"]["rows"]
    assert rows
    assert all(isinstance(value, str) for row in rows for value in row.values())
    assert [row["create_time"] for row in rows] == sorted((row["create_time"] for row in rows), reverse=True)
    assert all(int(row["integral"]) - int(row["last_integral"]) == int(row["occur"]) for row in rows)


def test_the_shared_mobile_is_a_member_of_both_kingdee_shops():
    datasets = SandboxState().datasets
    mobile = DEMO_IDENTIFIERS["shared_mobile"]
    assert mobile in datasets["kingdee-sh"].by_mobile
    assert mobile in datasets["kingdee-hz"].by_mobile


def test_the_bench_shop_is_built_only_when_asked_for_and_leaves_the_demo_data_as_it_was():
    state = SandboxState()
    assert "kingdee-bench" not in list(state.datasets)
    bench = state.datasets["kingdee-bench"]
    assert 95_000 <= len(bench.ledger) <= 110_000
    assert len({record.seq for record, _ in bench.ledger}) == len(bench.ledger)
    fresh = SandboxState().datasets
    for key in ("xinyue", "xiaoe", "kingdee-sh", "kingdee-hz"):
        assert [(m.member_id, m.seed) for m in state.datasets[key].members] == [
            (m.member_id, m.seed) for m in fresh[key].members
        ]


def test_the_bench_shop_serves_its_whole_ledger_page_after_page(sandbox):
    credentials = BENCH_ACCOUNTS[0]["credentials"]
    token = _kingdee_token(sandbox, credentials)
    path = "/jdy/v2/ls/integral_record"

    def page(number: int, **filters: str) -> dict:
        params = {"page": str(number), "page_size": "100", **filters}
        return _kingdee_get(sandbox, path, params, app_token=token, credentials=credentials).json()["data"]

    first = page(1)
    assert first["count"] >= 95_000
    assert first["total_page"] == -(-first["count"] // 100)
    # The next pages of the same query (kept by the sandbox) follow on; another query is filtered afresh.
    later = [page(number) for number in (2, 3, first["total_page"])]
    ids = [row["id"] for data in [first, *later] for row in data["rows"]]
    assert len(ids) == len(set(ids)) == 300 + first["count"] - (first["total_page"] - 1) * 100
    times = [row["create_time"] for data in (first, later[0]) for row in data["rows"]]
    assert times == sorted(times, reverse=True)
    member = first["rows"][0]["member_id"]
    assert {row["member_id"] for row in page(1, member_id=member)["rows"]} == {member}
    assert page(2)["rows"] == later[0]["rows"]


def test_the_same_seed_gives_the_same_data():
    first, second = SandboxState(seed=7).datasets["xinyue"], SandboxState(seed=7).datasets["xinyue"]
    member = first.members[10]
    twin = second.by_id[member.member_id]
    assert [(r.at, r.change) for r in member.records] == [(r.at, r.change) for r in twin.records]


@pytest.mark.parametrize(
    ("fault", "status"),
    [("http_500", 500), ("http_502_html", 502), ("http_429", 429), ("malformed_json", 200), ("vendor_error", 200)],
)
def test_a_fault_can_be_asked_for_by_header(sandbox, fault, status):
    token = _xiaoe_token(sandbox)
    response = requests.post(
        f"{sandbox.base_url}/xe.account.info.batch/1.0.0",
        json={"access_token": token, "user_ids": None, "page": "1", "page_size": "1"},
        headers={"X-Sandbox-Fault": fault},
        timeout=5,
    )
    assert response.status_code == status
    if fault == "vendor_error":
        assert response.json()["code"] != 0
