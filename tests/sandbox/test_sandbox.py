"""The vendor sandbox speaks the documented APIs: checked over real HTTP with plain `requests`."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from sandbox.demo import DEMO_IDENTIFIERS, TEST_ACCOUNTS
from sandbox.server import SandboxState
from sandbox.signing import gateway_signature
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


def test_a_stale_token_is_rejected_with_a_message_about_the_token(sandbox):
    sandbox.set_knobs("xinyue", token_lifetime=1)
    token = requests.post(
        f"{sandbox.base_url}/upbot/api/auth/GetAccessToken",
        json={**XINYUE, "grant_type": "client_credentials"},
        timeout=5,
    ).json()["data"]["access_token"]
    body = {"openid": DEMO_IDENTIFIERS["xinyue_openid"]}
    fresh = requests.post(
        f"{sandbox.base_url}/upbot/api/GetUserClubPoints", json=body, headers={"Authorization": token}, timeout=5
    ).json()
    assert fresh["ret"] == 0
    time.sleep(1.2)
    stale = requests.post(
        f"{sandbox.base_url}/upbot/api/GetUserClubPoints", json=body, headers={"Authorization": token}, timeout=5
    ).json()
    assert stale["ret"] != 0
    assert "token" in stale["msg"]


def _kingdee_get(sandbox: SandboxHandle, path: str, params: dict[str, str], *, app_token: str = "", secret: str = ""):
    client = KingdeeClient(ConnectionConfig(1, "k", "kingdee", sandbox.base_url, {**TEST_CREDENTIALS["kingdee"]}, 5.0))
    headers = client.signed_headers(method="GET", path=path, params=params, app_token=app_token)
    if secret:
        headers["X-Api-Signature"] = gateway_signature(
            secret, "GET", path, list(params.items()), headers["X-Api-Nonce"], headers["X-Api-TimeStamp"]
        )
    return requests.get(f"{sandbox.base_url}{path}", params=params, headers=headers, timeout=5)


def _kingdee_token(sandbox: SandboxHandle) -> str:
    from vendors.kingdee import app_signature

    credentials = TEST_CREDENTIALS["kingdee"]
    params = {
        "app_key": credentials["app_key"],
        "app_signature": app_signature(app_key=credentials["app_key"], app_secret=credentials["app_secret"]),
    }
    reply = _kingdee_get(sandbox, "/jdyconnector/app_management/kingdee_auth_token", params).json()
    assert reply["errcode"] == 0
    return reply["data"]["app-token"]


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
