"""Tencent Xinyue (vendor-docs/tencent-xinyue-GetUserClubPointsList.md, VENDORS.md §1) in the sandbox.

The doc's only error is 1001 "请求参数错误": where it is silent (a dead or unknown token, wrong credentials)
the sandbox answers 1001 too, the harsher reading (the client cannot tell a dead token by its words).
Request fields are the types of the doc's table and example (integers for times and paging, a string openid);
reply fields `amount` and `create_time` are strings in the table and integers in the example: both are served.
"""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.core import (
    Account,
    Endpoint,
    Reply,
    Request,
    SandboxState,
    VendorApi,
    json_int,
    json_reply,
    paged,
    unix_ms,
)
from sandbox.data import Member

ERRORS: dict[str, dict[str, Any]] = {
    # The only documented error (the seed doc): 1001, for everything it is not told apart from.
    "bad_params": {"ret": 1001, "msg": "请求参数错误，请稍后再试"},
    "rate_limited": {"ret": 1004, "msg": "请求过于频繁，请稍后再试"},
    "vendor_error": {"ret": 1001, "msg": "请求参数错误，请稍后再试"},
    "wrong_shape": {"ret": 0, "msg": "ok", "data": {"list": "not-a-list", "total": "many"}},
}


def _bad_params() -> Reply:
    return json_reply(ERRORS["bad_params"])


def token(state: SandboxState, request: Request, empty: bool) -> Reply:
    body = request.json()
    if not isinstance(body, dict) or body.get("grant_type") != "client_credentials":
        return _bad_params()
    appid, app_secret = body.get("appid"), body.get("app_secret")
    if not isinstance(appid, str) or not isinstance(app_secret, str):
        return _bad_params()
    if not state.within_token_limit("xinyue", appid):
        return json_reply(ERRORS["rate_limited"], 429)
    account = state.account("xinyue", appid=appid, app_secret=app_secret)
    if account is None:
        return _bad_params()
    return _token_reply(state, account)


def _token_reply(state: SandboxState, account: Account) -> Reply:
    access_token, lifetime = state.issue_token(account, "xy_")
    refresh = "xyr_" + secrets.token_hex(16)
    with state.lock:
        state.refresh_tokens[refresh] = account.key
    data = {"access_token": access_token, "expires_in": lifetime, "refresh_token": refresh, "scope": "club_points"}
    return json_reply({"ret": 0, "msg": "ok", "data": data})


def refresh(state: SandboxState, request: Request, empty: bool) -> Reply:
    body = request.json()
    if not isinstance(body, dict):
        return _bad_params()
    with state.lock:
        key = state.refresh_tokens.pop(str(body.get("refresh_token", "")), None)
    account = state.account("xinyue", appid=str(body.get("appid", "")))
    if body.get("grant_type") != "refresh_token" or key is None or account is None or account.key != key:
        return _bad_params()
    return _token_reply(state, account)


def _member(state: SandboxState, request: Request) -> tuple[Member | None, Any, Reply | None]:
    # The raw token, no "Bearer" (VENDORS.md §1); a dead or unknown one is the generic 1001.
    account = state.token_account("xinyue", request.headers.get("Authorization", ""))
    if account is None:
        return None, None, _bad_params()
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("openid"), str) or not body["openid"]:
        return None, None, _bad_params()
    return account.dataset.by_id.get(body["openid"]), body, None


def points_list(state: SandboxState, request: Request, empty: bool) -> Reply:
    member, body, error = _member(state, request)
    if error:
        return error
    # Integers, as the table types them and the example writes them: "1" is refused.
    page, size = json_int(body.get("page"), 1), json_int(body.get("page_size"), 10)
    start, end = json_int(body.get("start_time"), 0), json_int(body.get("end_time"), 0)
    if None in (page, size, start, end) or page < 1 or not 1 <= size <= 100 or start < 0 or end < 0:
        return _bad_params()
    records = [] if member is None or empty else member.records
    # Unix milliseconds, 0 = unbounded (VENDORS.md §1).
    selected = [r for r in records if (not start or unix_ms(r.at) >= start) and (not end or unix_ms(r.at) <= end)]
    selected.reverse()  # newest first
    # The table says amount/create_time are strings, the example shows integers: serve both, by member.
    as_strings = member is not None and member.seed % 2 == 1
    rows = [
        {
            "bill_type": 1 if r.change >= 0 else 2,
            "amount": str(abs(r.change)) if as_strings else abs(r.change),
            "create_time": str(unix_ms(r.at)) if as_strings else unix_ms(r.at),
            "desc": r.type_name,
        }
        for r in paged(selected, page, size)
    ]
    return json_reply({"ret": 0, "msg": "ok", "data": {"list": rows, "total": len(selected)}})


def points(state: SandboxState, request: Request, empty: bool) -> Reply:
    member, _, error = _member(state, request)
    if error:
        return error
    if member is None or empty:
        return json_reply({"ret": 0, "msg": "ok", "data": None})
    return json_reply({"ret": 0, "msg": "ok", "data": {"amount": member.available}})


API = VendorApi(
    name="xinyue",
    endpoints={
        ("POST", "/upbot/api/auth/GetAccessToken"): Endpoint(token, data=False),
        ("POST", "/upbot/api/auth/RefreshToken"): Endpoint(refresh, data=False),
        ("POST", "/upbot/api/GetUserClubPointsList"): Endpoint(points_list, data=True),
        ("POST", "/upbot/api/GetUserClubPoints"): Endpoint(points, data=True),
    },
    errors=ERRORS,
    # No limit of the token endpoint is documented.
    knobs={},
)
