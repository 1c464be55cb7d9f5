"""Fixtures of the ledger page tests: vendor HTTP faked with `responses` in the shapes the vendor tests use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from responses import matchers

from tests.fake_replies import record, records_reply

__all__ = ["record", "records_reply"]  # the ledger tests import them from here too

KINGDEE = "https://kingdee.vendor.test"
XIAOE = "https://xiaoe.vendor.test"
KINGDEE_TOKEN_URL = KINGDEE + "/jdyconnector/app_management/kingdee_auth_token"
KINGDEE_RECORDS_URL = KINGDEE + "/jdy/v2/ls/integral_record"
XIAOE_TOKEN_URL = XIAOE + "/token"
XIAOE_BATCH_URL = XIAOE + "/xe.account.info.batch/1.0.0"
MOBILE = "13812345678"


@pytest.fixture
def vendor_http() -> Iterator[responses.RequestsMock]:
    # Pages make several calls in threads, in any order: replies are matched by their parameters instead.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def kingdee_token(mock: responses.RequestsMock) -> None:
    mock.get(
        KINGDEE_TOKEN_URL,
        json={"errcode": 0, "description": "成功", "data": {"app-token": "kd-token", "expires": 1_900_000_000_000}},
    )


def kingdee_records(mock: responses.RequestsMock, reply: dict, status: int = 200, **params: str) -> None:
    """A records reply for requests whose query includes `params` (a subset match)."""
    match = [matchers.query_param_matcher(params, strict_match=False)] if params else []
    mock.get(KINGDEE_RECORDS_URL, json=reply, status=status, match=match)


def record_calls(mock: responses.RequestsMock) -> list[dict[str, str]]:
    """The query parameters of every records request sent."""
    from urllib.parse import parse_qsl, urlsplit

    return [
        dict(parse_qsl(urlsplit(call.request.url).query))
        for call in mock.calls
        if "integral_record" in call.request.url
    ]


def xiaoe_token(mock: responses.RequestsMock) -> None:
    mock.get(XIAOE_TOKEN_URL, json={"code": 0, "msg": "ok", "data": {"access_token": "xe-token", "expires_in": 7200}})


def xiaoe_balances_reply(user_ids: list[str], total: int | None = None, last_page: int = 1, start: int = 0) -> dict:
    rows = [
        {
            "id": i,
            "app_id": "app",
            "user_id": uid,
            "total_balance": 1000 - i - start,
            "balance": 900 - i - start,
            "freeze_balance": 10,
            "created_at": "2024-01-02 10:00:00",
        }
        for i, uid in enumerate(user_ids)
    ]
    count = len(rows) if total is None else total
    page = {"current_page": 1, "last_page": last_page, "page_size": max(1, len(rows)), "total": count}
    return {"code": 0, "msg": "ok", "data": {"list": rows, "page": page}}


@pytest.fixture
def kingdee_connection(make_connection):
    return make_connection("kingdee", base_url=KINGDEE, name="精斗云 门店")


@pytest.fixture
def xiaoe_connection(make_connection):
    return make_connection("xiaoe", base_url=XIAOE, name="小鹅通 店铺")


@pytest.fixture(autouse=True)
def english(settings):
    # The pages default to Chinese; these tests read the English source texts.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def no_retry_pauses(monkeypatch):
    from vendors import http

    monkeypatch.setattr(http, "pause", lambda seconds: None)
