"""Xiaoe-tech (vendor-docs/xiaoe-xe.account.info.batch.md, VENDORS.md §2) in the sandbox.

Where the documents are silent the sandbox chooses, harsher where it can: the token-expired code (2008,
its text naming the token, which is what the client is told to go by), the rate-limit reply (HTTP 429,
code 2029), flow.list's paging (strings, as info.batch's; `data.page` as in info.batch, or no total at all
when the knob `flow_list_total` is off). The token endpoint allows 100 calls per 10 minutes per app.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sandbox import xiaoe_users
from sandbox.core import (
    Account,
    Endpoint,
    Reply,
    Request,
    SandboxState,
    VendorApi,
    as_int,
    digit_string,
    json_int,
    json_reply,
    paged,
    parse_text_time,
    text_time,
    with_headers,
)
from sandbox.data import BEIJING, Record

ERRORS: dict[str, dict[str, Any]] = {
    "bad_params": {"code": 1001, "msg": "参数错误", "data": None},
    # 2001 is the confirmed "invalid secret_key" (VENDORS.md §2); the token-expired code is unknown.
    "bad_credentials": {"code": 2001, "msg": "secret_key无效", "data": None},
    "bad_token": {"code": 2008, "msg": "access_token无效或已过期", "data": None},
    "rate_limited": {"code": 2029, "msg": "请求过于频繁（10秒500次）", "data": None},
    "token_rate_limited": {"code": 2029, "msg": "获取token过于频繁（10分钟100次）", "data": None},
    "vendor_error": {"code": 5001, "msg": "系统繁忙，请稍后重试", "data": None},
    "wrong_shape": {"code": 0, "msg": "Success", "data": [1, 2, 3]},
}


def _bad_params() -> Reply:
    return json_reply(ERRORS["bad_params"])


def _rate_limited(error: str) -> Reply:
    return with_headers(json_reply(ERRORS[error], 429), {"Retry-After": "1"})


def token(state: SandboxState, request: Request, empty: bool) -> Reply:
    query = request.query
    if not state.within_token_limit("xiaoe", query.get("app_id", "")):
        return _rate_limited("token_rate_limited")
    if query.get("grant_type") != "client_credential":  # singular, unlike Xinyue
        return _bad_params()
    account = state.account("xiaoe", app_id=query.get("app_id", ""))
    if account is None or account.credentials["secret_key"] != query.get("secret_key"):
        return json_reply(ERRORS["bad_credentials"])
    # client_id may be absent (merchants before 2019-12-09); when sent it must match.
    if "client_id" in query and query["client_id"] != account.credentials.get("client_id"):
        return json_reply(ERRORS["bad_credentials"])
    access_token, lifetime = state.issue_token(account, "xe_")
    return json_reply({"code": 0, "msg": "success", "data": {"access_token": access_token, "expires_in": lifetime}})


def _call(state: SandboxState, request: Request) -> tuple[Account | None, dict[str, Any], Reply | None]:
    body = request.json()
    if not isinstance(body, dict):
        return None, {}, _bad_params()
    account = state.token_account("xiaoe", str(body.get("access_token", "")))  # the token goes in the body
    if account is None:
        return None, body, json_reply(ERRORS["bad_token"])
    knobs = state.knobs["xiaoe"]
    if not state.within_limit("rate_limit:xiaoe", account.key, knobs.rate_limit, 10):
        return None, body, _rate_limited("rate_limited")
    return account, body, None


def _paging(body: dict[str, Any]) -> tuple[int, int] | None:
    """page and page_size: strings of digits, required (the info.batch doc's table and example: "是", string)."""
    page, size = digit_string(body.get("page")), digit_string(body.get("page_size"))
    if page is None or size is None or page < 1 or not 1 <= size <= 100:
        return None
    return page, size


SORT_RULES = {
    11: ("total", True), 12: ("total", False),
    21: ("available", True), 22: ("available", False),
    31: ("frozen", True), 32: ("frozen", False),
}  # fmt: skip


def balances(state: SandboxState, request: Request, empty: bool) -> Reply:
    account, body, error = _call(state, request)
    if error:
        return error
    if "user_ids" not in body:  # required ("是") in the doc
        return _bad_params()
    user_ids = body["user_ids"]
    paging = _paging(body)
    start, end = parse_text_time(body.get("create_time_start")), parse_text_time(body.get("create_time_end"))
    # sort_rule is an int in the table and the example; absent: id descending.
    sort_rule = json_int(body.get("sort_rule"), 0)
    if paging is None or False in (start, end) or not (sort_rule == 0 or sort_rule in SORT_RULES):
        return _bad_params()
    page, size = paging
    members = list(account.dataset.members)
    # An empty array still filters (matches nobody); null or "" means every user (the doc's note).
    if user_ids not in (None, ""):
        if not isinstance(user_ids, list) or len(user_ids) > 100:
            return _bad_params()
        wanted = {str(user_id) for user_id in user_ids}
        members = [m for m in members if m.member_id in wanted]
    if empty:
        members = []
    members = [
        m
        for m in members
        if m.first_earned_at is not None
        and (start is None or m.first_earned_at >= start)
        and (end is None or m.first_earned_at <= end)
    ]
    if sort_rule:
        field_name, descending = SORT_RULES[sort_rule]
        value = {
            "total": lambda m: m.available + m.frozen,
            "available": lambda m: m.available,
            "frozen": lambda m: m.frozen,
        }[field_name]
        members.sort(key=lambda m: (value(m), m.member_id), reverse=descending)
    else:
        members.reverse()  # "不传默认ID倒序排序": by id, descending
    index = {m.member_id: i + 1 for i, m in enumerate(account.dataset.members)}
    rows = [
        {
            "id": index[m.member_id],
            "app_id": account.credentials["app_id"],
            "user_id": m.member_id,
            "total_balance": m.available + m.frozen,
            "balance": m.available,
            "freeze_balance": m.frozen,
            "created_at": text_time(m.first_earned_at),
        }
        for m in paged(members, page, size)
    ]
    page_info = {
        "current_page": page,
        "last_page": max(1, -(-len(members) // size)),
        "page_size": size,
        "total": len(members),
    }
    return json_reply({"code": 0, "msg": "Success", "data": {"list": rows, "page": page_info}})


def _flow_type(record: Record) -> int:
    """1 add, 2 subtract, 3 frozen (VENDORS.md §2)."""
    if record.frozen_change:
        return 3
    return 1 if record.change >= 0 else 2


def flows(state: SandboxState, request: Request, empty: bool) -> Reply:
    account, body, error = _call(state, request)
    if error:
        return error
    # The docs say INTEGRAL, their examples INTERGRAL (VENDORS.md §2): both are accepted here.
    if body.get("account_type") not in ("INTEGRAL", "INTERGRAL"):
        return _bad_params()
    paging = _paging(body)
    # flow_type's type is not documented: a number or a string of one.
    flow_type = as_int(body.get("flow_type"), 0)
    year_month = body.get("year_month") or datetime.now(BEIJING).strftime("%Y_%m")  # default: this month
    if paging is None or flow_type not in (0, 1, 2, 3) or not re.fullmatch(r"\d{4}_\d{2}", str(year_month)):
        return _bad_params()
    page, size = paging
    member = account.dataset.by_id.get(str(body.get("user_id", "")))
    records = [] if member is None or empty else member.records
    selected = [
        r
        for r in records
        if r.at.strftime("%Y_%m") == year_month
        and (not flow_type or _flow_type(r) == flow_type)
        and (not body.get("business_type") or r.type_code == str(body["business_type"]))
    ]
    selected.reverse()  # newest first within the month
    rows = [
        {
            "id": r.seq,
            "flow_id": f"F{r.seq}",
            "app_id": account.credentials["app_id"],
            "user_id": member.member_id,
            "flow_type": _flow_type(r),
            "business_type": r.type_code,
            "flow_count": abs(r.change),  # an int (VENDORS.md §2)
            "balance": str(r.balance_after),  # a string (VENDORS.md §2)
            "created_at": text_time(r.at),
            "remark": r.type_name,
        }
        for r in paged(selected, page, size)
    ]
    data: dict[str, Any] = {"list": rows}
    if state.knobs["xiaoe"].flow_list_total:
        # Paging in the same shape as info.batch (the flow.list reply shape is not in our docs).
        data["page"] = {
            "current_page": page,
            "last_page": max(1, -(-len(selected) // size)),
            "page_size": size,
            "total": len(selected),
        }
    return json_reply({"code": 0, "msg": "Success", "data": data})


API = VendorApi(
    name="xiaoe",
    endpoints={
        ("GET", "/token"): Endpoint(token, data=False, json_content=False),
        ("POST", "/xe.account.info.batch/1.0.0"): Endpoint(balances, data=True),
        ("POST", "/xe.account.flow.list/1.0.0"): Endpoint(flows, data=True),
        # Member by phone, user id or WeChat ids (VENDORS.md §2), in its own module.
        ("POST", xiaoe_users.PATH): Endpoint(xiaoe_users.user_info, data=True),
    },
    errors=ERRORS,
    # 500 data calls per 10 s per app (the seed doc); 100 token calls per 10 minutes (VENDORS.md §2).
    knobs={"rate_limit": 500, "token_limit": 100, "token_limit_seconds": 600},
)
