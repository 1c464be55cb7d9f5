"""Kingdee JDY (vendor-docs/kingdee-jdy-integral_record.md, VENDORS.md §3) in the sandbox.

The gateway checks every call's signature with sandbox/signing.py (its own implementation of the vendor's
rule) and answers HTTP 519 when it is wrong. The app-token endpoint allows ~2 calls a minute per app
(reported, unconfirmed). Rows come in no promised order within a page when the knob `shuffle_rows` asks
(the doc promises none); page_size over 100 is cut to 100 while total_page uses the size asked (reported).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from sandbox.core import (
    Account,
    Endpoint,
    Reply,
    Request,
    SandboxState,
    VendorApi,
    as_int,
    json_reply,
    parse_text_time,
    text_time,
)
from sandbox.data import Dataset, Member, Record
from sandbox.signing import app_signature, gateway_signature

ERRORS: dict[str, dict[str, Any]] = {
    "bad_params": {"errcode": 1001001, "description": "参数格式错误", "data": None},
    "bad_signature": {"errcode": 1030002001, "description": "签名校验失败", "data": None},
    # "app secret check failed": the app-token (or app secret) is not valid (VENDORS.md §3).
    "bad_token": {"errcode": 1030002006, "description": "app secret校验失败", "data": None},
    "bad_router": {"errcode": 1030002007, "description": "X-GW-Router-Addr与应用不匹配", "data": None},
    "rate_limited": {"errcode": 1030002429, "description": "请求过于频繁", "data": None},
    "vendor_error": {"errcode": 2000002000, "description": "系统错误,请到开发者社区提单反馈", "data": None},
    "wrong_shape": {"errcode": 0, "description": "success", "data": {"rows": {"0": "x"}, "count": "?"}},
}


def _verify(state: SandboxState, request: Request) -> tuple[Account | None, Reply | None]:
    """The gateway's checks, common to the token and data endpoints."""
    headers = request.headers
    account = state.account("kingdee", client_id=headers.get("X-Api-ClientID", ""))
    timestamp = headers.get("X-Api-TimeStamp", "")
    nonce = headers.get("X-Api-Nonce", "")
    well_formed = (
        account is not None
        and headers.get("X-Api-Auth-Version") == "2.0"
        and headers.get("X-Api-SignHeaders", "").replace(" ", "") == "X-Api-TimeStamp,X-Api-Nonce"
        and timestamp.isdigit()
        and nonce.isdigit()
        and abs(time.time() * 1000 - int(timestamp)) <= 5 * 60 * 1000  # valid for 5 min (the doc)
    )
    if well_formed:
        expected = gateway_signature(
            account.credentials["client_secret"], request.method, request.path, request.query_pairs, nonce, timestamp
        )
        well_formed = secrets.compare_digest(expected, headers.get("X-Api-Signature", ""))
    if not well_formed:
        # HTTP 519 has been reported for a bad signature (VENDORS.md §3).
        state.count("signature_failures:kingdee")
        return None, json_reply(ERRORS["bad_signature"], 519)
    return account, None


def token(state: SandboxState, request: Request, empty: bool) -> Reply:
    # Every call counts towards the limit, signed right or not.
    if not state.within_token_limit("kingdee", request.headers.get("X-Api-ClientID", "")):
        return json_reply(ERRORS["rate_limited"], 429)  # HTTP 429 for rate limiting (VENDORS.md §3)
    account, error = _verify(state, request)
    if error:
        return error
    app_key = request.query.get("app_key", "")
    expected = app_signature(account.credentials["app_key"], account.credentials["app_secret"])
    if app_key != account.credentials["app_key"] or not secrets.compare_digest(
        expected, request.query.get("app_signature", "")
    ):
        return json_reply(ERRORS["bad_token"])
    app_token, lifetime = state.issue_token(account, "kd-")
    data = {
        "app-token": app_token,  # hyphenated (VENDORS.md §3)
        "expires": int((time.time() + lifetime) * 1000),  # epoch ms
        "domain": account.credentials["domain"],
    }
    return json_reply({"errcode": 0, "description": "成功", "data": data})


def _pairs(dataset: Dataset, query: dict[str, str]) -> list[tuple[Record, Member]]:
    """The (record, member) pairs a query's member id or mobile names (the whole ledger when neither), newest first."""
    if query.get("member_id"):
        member = dataset.by_id.get(query["member_id"])
        return member.records_newest_first if member else []
    if query.get("mobile"):
        members = dataset.by_mobile.get(query["mobile"], [])
        if len(members) == 1:
            return members[0].records_newest_first
        pairs = ((r, m) for m in members for r in m.records)
        return sorted(pairs, key=lambda pair: (pair[0].at, pair[0].seq), reverse=True)
    return dataset.ledger


def records(state: SandboxState, request: Request, empty: bool) -> Reply:
    account, error = _verify(state, request)
    if error:
        return error
    token_account = state.token_account("kingdee", request.headers.get("app-token", ""))
    if token_account is None or token_account.key != account.key:
        return json_reply(ERRORS["bad_token"])
    if request.headers.get("X-GW-Router-Addr", "").rstrip("/") != account.credentials["domain"]:
        return json_reply(ERRORS["bad_router"])
    query = request.query
    page, size = as_int(query.get("page"), 1), as_int(query.get("page_size"), 10)
    start, end = parse_text_time(query.get("start_date")), parse_text_time(query.get("end_date"))
    if page is None or size is None or page < 1 or size < 1 or False in (start, end):
        return json_reply(ERRORS["bad_params"])
    dataset = account.dataset
    type_code, record_id = query.get("integral_type"), query.get("id")
    # The pages of one query are asked for one after another (an export of the 100,000-record bench shop reads a
    # thousand): the selection is kept for the next page rather than filtered again out of the whole ledger.
    key = (dataset.key, query.get("member_id"), query.get("mobile"), start, end, type_code, record_id, empty)
    with state.lock:
        selected = state.selections.get(key)
        if selected is not None:
            state.selections.move_to_end(key)
    if selected is None:
        selected = [
            (r, m)
            for r, m in ([] if empty else _pairs(dataset, query))
            if (start is None or r.at >= start)
            and (end is None or r.at <= end)
            and (not type_code or r.type_code == type_code)
            and (not record_id or str(r.seq) == record_id)
        ]
        with state.lock:
            state.selections[key] = selected
            while len(state.selections) > 16:
                state.selections.popitem(last=False)
    # Reported quirk (VENDORS.md §3): page_size over 100 is cut to 100, total_page still uses the size asked.
    served = min(size, 100)
    rows = [
        {
            "create_time": text_time(r.at),
            "id": str(r.seq),
            "integral": str(r.balance_after),
            "last_integral": str(r.balance_before),
            "member_id": m.member_id,
            "member_name": m.name,
            "modify_time": text_time(r.at),
            "occur": str(r.change),
            "type_id": f"T{r.type_code}",
            "type_name": r.type_name,
            "type_number": r.type_code,
        }
        for r, m in selected[(page - 1) * served : (page - 1) * served + served]
    ]
    if state.knobs["kingdee"].shuffle_rows:
        rows = state.shuffled(rows)
    data = {
        "count": len(selected),
        "cur_page_size": len(rows),
        "page": page,
        "page_size": size,
        "rows": rows,
        "total_page": -(-len(selected) // size),
    }
    return json_reply({"data": data, "description": "success", "errcode": 0})


API = VendorApi(
    name="kingdee",
    endpoints={
        ("GET", "/jdyconnector/app_management/kingdee_auth_token"): Endpoint(token, data=False),
        ("GET", "/jdy/v2/ls/integral_record"): Endpoint(records, data=True),
    },
    errors=ERRORS,
    # The app-token endpoint: ~2 calls a minute (VENDORS.md §3, unconfirmed).
    knobs={"token_limit": 2, "token_limit_seconds": 60},
)
