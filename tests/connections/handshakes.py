"""Vendor handshakes faked with `responses`: what each vendor's connection test sends and what it answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

import responses
from requests import PreparedRequest
from responses import matchers

from tests.conftest import TEST_CREDENTIALS

BASE_URLS = {
    # Hosts under .test never resolve: should a fake be missing, nothing leaves the machine.
    "xinyue": "https://xinyue.vendor.test",
    "xiaoe": "https://xiaoe.vendor.test",
    "kingdee": "https://kingdee.vendor.test",
}
SLOW_READ_SECONDS = 0.05


def _slow(body: dict) -> Callable[[PreparedRequest], tuple[int, dict, str]]:
    """A reply that takes SLOW_READ_SECONDS, so the measured latency has a floor to check."""

    def reply(request: PreparedRequest) -> tuple[int, dict, str]:
        time.sleep(SLOW_READ_SECONDS)
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    return reply


def fake_xinyue_handshake(mock: responses.RequestsMock) -> str:
    credentials = TEST_CREDENTIALS["xinyue"]
    base = BASE_URLS["xinyue"]
    # Token: appid + app_secret, grant_type plural (VENDORS.md §1).
    mock.post(
        f"{base}/upbot/api/auth/GetAccessToken",
        match=[
            matchers.json_params_matcher(
                {
                    "appid": credentials["appid"],
                    "app_secret": credentials["app_secret"],
                    "grant_type": "client_credentials",
                }
            )
        ],
        json={"ret": 0, "msg": "ok", "data": {"access_token": "xy-token-1", "expires_in": 7200}},
    )
    # The token goes raw in Authorization, no "Bearer".
    mock.add_callback(
        responses.POST,
        f"{base}/upbot/api/GetUserClubPointsList",
        callback=_slow({"ret": 0, "msg": "ok", "data": {"list": [], "total": 0}}),
        match=[matchers.header_matcher({"Authorization": "xy-token-1"})],
    )
    return "Token accepted; a test query succeeded."


def fake_xiaoe_handshake(mock: responses.RequestsMock) -> str:
    credentials = TEST_CREDENTIALS["xiaoe"]
    base = BASE_URLS["xiaoe"]
    # Token: a GET with the credentials in the query string, grant_type singular (VENDORS.md §2).
    mock.get(
        f"{base}/token",
        match=[matchers.query_param_matcher({**credentials, "grant_type": "client_credential"})],
        json={"code": 0, "msg": "ok", "data": {"access_token": "xe_token_1", "expires_in": 7200}},
    )
    # The token goes in the JSON body.
    mock.add_callback(
        responses.POST,
        f"{base}/xe.account.info.batch/1.0.0",
        callback=_slow(
            {
                "code": 0,
                "msg": "ok",
                "data": {"list": [], "page": {"current_page": 1, "last_page": 42, "page_size": 1, "total": 42}},
            }
        ),
        match=[matchers.json_params_matcher({"access_token": "xe_token_1"}, strict_match=False)],
    )
    return "Token accepted; 42 members have a points account."


def _kingdee_app_signature(app_key: str, app_secret: str) -> str:
    # base64 of the *hex text* of HMAC-SHA256(app_secret, app_key) (VENDORS.md §3).
    digest = hmac.new(app_secret.encode(), app_key.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def fake_kingdee_handshake(mock: responses.RequestsMock) -> str:
    credentials = TEST_CREDENTIALS["kingdee"]
    base = BASE_URLS["kingdee"]
    signed_by_this_client = {"X-Api-ClientID": credentials["client_id"], "X-GW-Router-Addr": credentials["domain"]}
    mock.get(
        f"{base}/jdyconnector/app_management/kingdee_auth_token",
        match=[
            matchers.query_param_matcher(
                {
                    "app_key": credentials["app_key"],
                    "app_signature": _kingdee_app_signature(credentials["app_key"], credentials["app_secret"]),
                }
            ),
            matchers.header_matcher(signed_by_this_client),
        ],
        json={
            "errcode": 0,
            "description": "成功",
            "data": {"app-token": "kd-token-1", "expires": int((time.time() + 86400) * 1000)},
        },
    )
    mock.add_callback(
        responses.GET,
        f"{base}/jdy/v2/ls/integral_record",
        callback=_slow(
            {
                "errcode": 0,
                "description": "成功",
                "data": {"count": "7", "cur_page_size": 0, "page": 1, "page_size": 1, "total_page": 7, "rows": []},
            }
        ),
        match=[
            matchers.query_param_matcher({"page": "1", "page_size": "1"}),
            matchers.header_matcher({**signed_by_this_client, "app-token": "kd-token-1"}),
        ],
    )
    return "App-token accepted; the shop has 7 points records."


HANDSHAKES = {"xinyue": fake_xinyue_handshake, "xiaoe": fake_xiaoe_handshake, "kingdee": fake_kingdee_handshake}
