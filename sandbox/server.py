"""The vendor sandbox: Tencent Xinyue, Xiaoe-tech and Kingdee JDY on one port, as their documents describe.

Paths, methods, field names, types and error shapes follow ../shared/vendor-docs and VENDORS.md; where
those are silent (a token error's code, Xiaoe's flow.list paging) the choice is commented. Knobs for
latency and faults, and request counters, live under /_sandbox/ (see sandbox/README.md).
"""

from __future__ import annotations

import functools
import json
import logging
import random
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox import demo, hostile
from sandbox.data import BEIJING, Dataset, Member, Record, build_dataset, history_end
from sandbox.signing import app_signature, gateway_signature

logger = logging.getLogger("sandbox")

FAULTS = (
    "timeout",
    "http_500",
    "http_502_html",
    "http_429",
    "malformed_json",
    "wrong_shape",
    "vendor_error",
    "expired_token",
    "empty",
)
VENDORS = ("xinyue", "xiaoe", "kingdee")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Knobs:
    latency_ms: int = 0
    error_rate: float = 0.0  # share of data calls answered with HTTP 500
    fault: str | None = None  # one of FAULTS, for every data call until cleared
    token_lifetime: int = 7200  # seconds
    timeout_seconds: float = 30.0  # how long the "timeout" fault sleeps (bounded)
    rate_limit: int = 500  # Xiaoe: calls per 10 s per app (the seed doc)
    hostile_data: str | None = None  # one of sandbox.hostile.HOSTILE_KINDS, for every data reply until cleared


@dataclass
class Account:
    vendor: str
    key: str  # appid / app_id / client_id: how counters name the account
    credentials: dict[str, str]
    dataset: Dataset


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(payload: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(payload, ensure_ascii=False).encode())


@dataclass
class Token:
    vendor: str
    account_key: str
    expires_at: float


class SandboxState:
    """Everything the sandbox knows; shared by the request threads under one lock."""

    def __init__(self, seed: int = 20261124) -> None:
        self.lock = threading.Lock()
        self.seed = seed
        self.datasets = build_datasets(seed)
        self.accounts = [
            Account(entry["vendor"], _account_key(entry), dict(entry["credentials"]), self.datasets[entry["dataset"]])
            for entry in [*demo.DEMO_CONNECTIONS, *demo.TEST_ACCOUNTS]
        ]
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.knobs = {vendor: Knobs() for vendor in VENDORS}
            self.tokens: dict[str, Token] = {}
            self.refresh_tokens: dict[str, str] = {}  # Xinyue refresh token → account key
            self.counters: Counter[str] = Counter()
            self.windows: dict[str, deque[float]] = {}
            self.error_rng = random.Random(self.seed)

    # --- accounts and tokens ---------------------------------------------------------------------
    def account(self, vendor: str, **match: str) -> Account | None:
        for account in self.accounts:
            if account.vendor == vendor and all(account.credentials.get(k) == v for k, v in match.items()):
                return account
        return None

    def issue_token(self, account: Account, prefix: str) -> tuple[str, int]:
        lifetime = self.knobs[account.vendor].token_lifetime
        token = prefix + secrets.token_hex(16)
        now = time.time()
        with self.lock:
            # A new token ends the old ones after a 5-minute overlap (VENDORS.md §1, §2).
            for existing in self.tokens.values():
                if existing.account_key == account.key and existing.vendor == account.vendor:
                    existing.expires_at = min(existing.expires_at, now + 300)
            self.tokens[token] = Token(account.vendor, account.key, now + lifetime)
            self.counters[f"token_fetches:{account.vendor}"] += 1
            self.counters[f"token_fetches:{account.vendor}:{account.key}"] += 1
        return token, lifetime

    def token_account(self, vendor: str, token: str) -> Account | None:
        with self.lock:
            entry = self.tokens.get(token)
            if entry is None or entry.vendor != vendor or entry.expires_at < time.time():
                self.counters[f"token_rejections:{vendor}"] += 1
                return None
        return next((a for a in self.accounts if a.vendor == vendor and a.key == entry.account_key), None)

    def expire_tokens(self, vendor: str) -> None:
        with self.lock:
            for token in [t for t, entry in self.tokens.items() if entry.vendor == vendor]:
                del self.tokens[token]

    def within_rate_limit(self, app_key: str, limit: int) -> bool:
        """Sliding 10-second window per app; every call is recorded, one over the limit is a violation."""
        now = time.monotonic()
        with self.lock:
            window = self.windows.setdefault(app_key, deque())
            while window and window[0] <= now - 10:
                window.popleft()
            window.append(now)
            if len(window) > limit:
                self.counters["rate_limit_violations:xiaoe"] += 1
                self.counters[f"rate_limit_violations:xiaoe:{app_key}"] += 1
                return False
        return True

    def count(self, name: str) -> None:
        with self.lock:
            self.counters[name] += 1


def _account_key(entry: dict[str, Any]) -> str:
    credentials = entry["credentials"]
    return credentials.get("appid") or credentials.get("app_id") or credentials["client_id"]


def build_datasets(seed: int) -> dict[str, Dataset]:
    end = history_end()
    ids = demo.DEMO_IDENTIFIERS
    rng = random.Random(seed)

    def openid(index: int, _rng: random.Random) -> str:
        return f"oXyDemo{index + 1:016d}"

    def xiaoe_id(index: int, _rng: random.Random) -> str:
        return f"u_demo_{index + 1:06d}"

    def kingdee_id(start: int) -> Callable[[int, random.Random], str]:
        return lambda index, _rng: str(start + index)

    # People at both Kingdee shops under the same mobile (the first is DEMO_IDENTIFIERS["shared_mobile"]).
    shared = [("张伟", ids["shared_mobile"])]
    shared += [(f"{'王李刘陈杨'[i % 5]}{'芳敏静强磊'[i // 5 % 5]}", f"1380000{2000 + i:04d}") for i in range(149)]
    return {
        "xinyue": build_dataset(
            "xinyue", seed=rng.randrange(2**31), size=600, id_maker=openid, end=end,
            special={ids["xinyue_openid_10k"]: 10_000},
        ),
        "xiaoe": build_dataset(
            "xiaoe", seed=rng.randrange(2**31), size=600, id_maker=xiaoe_id, end=end, with_freezes=True,
            special={ids["xiaoe_user_id_10k"]: 10_000},
        ),
        "kingdee-sh": build_dataset(
            "kingdee-sh", seed=rng.randrange(2**31), size=600, id_maker=kingdee_id(100001), end=end,
            shared_people=shared, special={ids["kingdee_member_id_10k"]: 10_000},
        ),
        "kingdee-hz": build_dataset(
            "kingdee-hz", seed=rng.randrange(2**31), size=400, id_maker=kingdee_id(200001), end=end,
            shared_people=shared,
        ),
    }  # fmt: skip


# --- request plumbing -------------------------------------------------------------------------------
@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    query_pairs: list[tuple[str, str]]
    headers: Any
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None


Handler = Callable[[SandboxState, Request, bool], Reply]


def _fault_reply(vendor: str, fault: str) -> Reply | None:
    """The reply a forced fault gives instead of the real one (None: handled elsewhere)."""
    if fault == "http_500":
        return Reply(500, b"Internal Server Error", "text/plain; charset=utf-8")
    if fault == "http_502_html":
        html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
        return Reply(502, html.encode(), "text/html; charset=utf-8")
    if fault == "http_429":
        return with_headers(json_reply(VENDOR_ERRORS[vendor]["rate_limited"], 429), {"Retry-After": "1"})
    if fault == "malformed_json":
        return Reply(200, b'{"ret": 0, "code": 0, "errcode": 0, "data": {"list": [')
    if fault == "wrong_shape":
        return json_reply(VENDOR_ERRORS[vendor]["wrong_shape"])
    if fault == "vendor_error":
        return json_reply(VENDOR_ERRORS[vendor]["vendor_error"])
    return None


def with_headers(reply: Reply, headers: dict[str, str]) -> Reply:
    reply.headers.update(headers)
    return reply


VENDOR_ERRORS: dict[str, dict[str, Any]] = {
    "xinyue": {
        # The only documented error (the seed doc): 1001.
        "bad_params": {"ret": 1001, "msg": "请求参数错误，请稍后再试"},
        # Not documented: a plausible code whose message names the token, as the real gateway's do.
        "bad_token": {"ret": 1002, "msg": "token无效或已过期，请重新获取"},
        "bad_credentials": {"ret": 1003, "msg": "appid或app_secret错误"},
        "rate_limited": {"ret": 1004, "msg": "请求过于频繁，请稍后再试"},
        "vendor_error": {"ret": 1001, "msg": "请求参数错误，请稍后再试"},
        "wrong_shape": {"ret": 0, "msg": "ok", "data": {"list": "not-a-list", "total": "many"}},
    },
    "xiaoe": {
        "bad_params": {"code": 1001, "msg": "参数错误", "data": None},
        # 2001 is the confirmed "invalid secret_key" (VENDORS.md §2); the token-expired code is unknown.
        "bad_credentials": {"code": 2001, "msg": "secret_key无效", "data": None},
        "bad_token": {"code": 2008, "msg": "access_token无效或已过期", "data": None},
        "rate_limited": {"code": 2029, "msg": "请求过于频繁（10秒500次）", "data": None},
        "vendor_error": {"code": 5001, "msg": "系统繁忙，请稍后重试", "data": None},
        "wrong_shape": {"code": 0, "msg": "Success", "data": [1, 2, 3]},
    },
    "kingdee": {
        "bad_params": {"errcode": 1001001, "description": "参数格式错误", "data": None},
        "bad_signature": {"errcode": 1030002001, "description": "签名校验失败", "data": None},
        # "app secret check failed": the app-token (or app secret) is not valid (VENDORS.md §3).
        "bad_token": {"errcode": 1030002006, "description": "app secret校验失败", "data": None},
        "bad_router": {"errcode": 1030002007, "description": "X-GW-Router-Addr与应用不匹配", "data": None},
        "rate_limited": {"errcode": 1030002429, "description": "请求过于频繁", "data": None},
        "vendor_error": {"errcode": 2000002000, "description": "系统错误,请到开发者社区提单反馈", "data": None},
        "wrong_shape": {"errcode": 0, "description": "success", "data": {"rows": {"0": "x"}, "count": "?"}},
    },
}


def _as_int(value: Any, default: int) -> int | None:
    """Numbers the docs type as string or integer; None when neither."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _paged(rows: list[Any], page: int, size: int) -> list[Any]:
    return rows[(page - 1) * size : page * size]


@functools.lru_cache(maxsize=65536)
def _text_time(moment: datetime) -> str:
    # Kept: a seeded record's time is written on every page that shows it, and the sandbox shares the
    # benchmark machine's cores with the dashboard it stands in for.
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# --- Tencent Xinyue (vendor-docs/tencent-xinyue-GetUserClubPointsList.md, VENDORS.md §1) -------------
def xinyue_token(state: SandboxState, request: Request, empty: bool) -> Reply:
    body = request.json() or {}
    if body.get("grant_type") != "client_credentials":
        return json_reply(VENDOR_ERRORS["xinyue"]["bad_params"])
    account = state.account("xinyue", appid=str(body.get("appid", "")), app_secret=str(body.get("app_secret", "")))
    if account is None:
        return json_reply(VENDOR_ERRORS["xinyue"]["bad_credentials"])
    return _xinyue_token_reply(state, account)


def _xinyue_token_reply(state: SandboxState, account: Account) -> Reply:
    token, lifetime = state.issue_token(account, "xy_")
    refresh = "xyr_" + secrets.token_hex(16)
    with state.lock:
        state.refresh_tokens[refresh] = account.key
    data = {"access_token": token, "expires_in": lifetime, "refresh_token": refresh, "scope": "club_points"}
    return json_reply({"ret": 0, "msg": "ok", "data": data})


def xinyue_refresh(state: SandboxState, request: Request, empty: bool) -> Reply:
    body = request.json() or {}
    with state.lock:
        key = state.refresh_tokens.pop(str(body.get("refresh_token", "")), None)
    account = state.account("xinyue", appid=str(body.get("appid", "")))
    if body.get("grant_type") != "refresh_token" or key is None or account is None or account.key != key:
        return json_reply(VENDOR_ERRORS["xinyue"]["bad_token"])
    return _xinyue_token_reply(state, account)


def _xinyue_member(state: SandboxState, request: Request) -> tuple[Member | None, Any, Reply | None]:
    # The raw token, no "Bearer" (VENDORS.md §1).
    account = state.token_account("xinyue", request.headers.get("Authorization", ""))
    if account is None:
        return None, None, json_reply(VENDOR_ERRORS["xinyue"]["bad_token"])
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("openid"), str) or not body["openid"]:
        return None, None, json_reply(VENDOR_ERRORS["xinyue"]["bad_params"])
    return account.dataset.by_id.get(body["openid"]), body, None


def xinyue_points_list(state: SandboxState, request: Request, empty: bool) -> Reply:
    member, body, error = _xinyue_member(state, request)
    if error:
        return error
    page, size = _as_int(body.get("page"), 1), _as_int(body.get("page_size"), 10)
    start, end = _as_int(body.get("start_time"), 0), _as_int(body.get("end_time"), 0)
    if None in (page, size, start, end) or page < 1 or not 1 <= size <= 100 or start < 0 or end < 0:
        return json_reply(VENDOR_ERRORS["xinyue"]["bad_params"])
    records = [] if member is None or empty else member.records
    # Unix milliseconds, 0 = unbounded (VENDORS.md §1).
    selected = [r for r in records if (not start or _ms(r.at) >= start) and (not end or _ms(r.at) <= end)]
    selected.reverse()  # newest first
    # The table says amount/create_time are strings, the example shows integers: serve both, by member.
    as_strings = member is not None and member.seed % 2 == 1
    rows = [
        {
            "bill_type": 1 if r.change >= 0 else 2,
            "amount": str(abs(r.change)) if as_strings else abs(r.change),
            "create_time": str(_ms(r.at)) if as_strings else _ms(r.at),
            "desc": r.type_name,
        }
        for r in _paged(selected, page, size)
    ]
    return json_reply({"ret": 0, "msg": "ok", "data": {"list": rows, "total": len(selected)}})


def xinyue_points(state: SandboxState, request: Request, empty: bool) -> Reply:
    member, _, error = _xinyue_member(state, request)
    if error:
        return error
    if member is None or empty:
        return json_reply({"ret": 0, "msg": "ok", "data": None})
    return json_reply({"ret": 0, "msg": "ok", "data": {"amount": member.available}})


# --- Xiaoe-tech (vendor-docs/xiaoe-xe.account.info.batch.md, VENDORS.md §2) ----------------------------
def xiaoe_token(state: SandboxState, request: Request, empty: bool) -> Reply:
    query = request.query
    if query.get("grant_type") != "client_credential":  # singular, unlike Xinyue
        return json_reply(VENDOR_ERRORS["xiaoe"]["bad_params"])
    account = state.account("xiaoe", app_id=query.get("app_id", ""))
    if account is None or account.credentials["secret_key"] != query.get("secret_key"):
        return json_reply(VENDOR_ERRORS["xiaoe"]["bad_credentials"])
    # client_id may be absent (merchants before 2019-12-09); when sent it must match.
    if "client_id" in query and query["client_id"] != account.credentials.get("client_id"):
        return json_reply(VENDOR_ERRORS["xiaoe"]["bad_credentials"])
    token, lifetime = state.issue_token(account, "xe_")
    return json_reply({"code": 0, "msg": "success", "data": {"access_token": token, "expires_in": lifetime}})


def _xiaoe_call(state: SandboxState, request: Request) -> tuple[Account | None, dict[str, Any], Reply | None]:
    body = request.json()
    if not isinstance(body, dict):
        return None, {}, json_reply(VENDOR_ERRORS["xiaoe"]["bad_params"])
    account = state.token_account("xiaoe", str(body.get("access_token", "")))  # the token goes in the body
    if account is None:
        return None, body, json_reply(VENDOR_ERRORS["xiaoe"]["bad_token"])
    if not state.within_rate_limit(account.key, state.knobs["xiaoe"].rate_limit):
        rate_limited = with_headers(json_reply(VENDOR_ERRORS["xiaoe"]["rate_limited"], 429), {"Retry-After": "1"})
        return None, body, rate_limited
    return account, body, None


def _parse_text_time(value: Any) -> datetime | bool | None:
    """A "YYYY-MM-DD HH:MM:SS" filter; None when absent, False when malformed."""
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=BEIJING)
    except ValueError:
        return False


SORT_RULES = {
    11: ("total", True), 12: ("total", False),
    21: ("available", True), 22: ("available", False),
    31: ("frozen", True), 32: ("frozen", False),
}  # fmt: skip


def xiaoe_balances(state: SandboxState, request: Request, empty: bool) -> Reply:
    account, body, error = _xiaoe_call(state, request)
    if error:
        return error
    if "user_ids" not in body:  # required ("是") in the doc
        return json_reply(VENDOR_ERRORS["xiaoe"]["bad_params"])
    user_ids = body["user_ids"]
    page, size = _as_int(body.get("page"), 1), _as_int(body.get("page_size"), 10)
    start, end = _parse_text_time(body.get("create_time_start")), _parse_text_time(body.get("create_time_end"))
    sort_rule = body.get("sort_rule")
    valid = page is not None and size is not None and page >= 1 and 1 <= size <= 100 and False not in (start, end)
    if not valid or (sort_rule is not None and _as_int(sort_rule, 0) not in SORT_RULES):
        return json_reply(VENDOR_ERRORS["xiaoe"]["bad_params"])
    members = list(account.dataset.members)
    # An empty array still filters (matches nobody); null or "" means every user (the doc's note).
    if user_ids not in (None, ""):
        if not isinstance(user_ids, list) or len(user_ids) > 100:
            return json_reply(VENDOR_ERRORS["xiaoe"]["bad_params"])
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
    if sort_rule is not None:
        field_name, descending = SORT_RULES[_as_int(sort_rule, 0)]
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
            "created_at": _text_time(m.first_earned_at),
        }
        for m in _paged(members, page, size)
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


def xiaoe_flows(state: SandboxState, request: Request, empty: bool) -> Reply:
    account, body, error = _xiaoe_call(state, request)
    if error:
        return error
    # The docs say INTEGRAL, their examples INTERGRAL (VENDORS.md §2): both are accepted here.
    if body.get("account_type") not in ("INTEGRAL", "INTERGRAL"):
        return json_reply(VENDOR_ERRORS["xiaoe"]["bad_params"])
    page, size = _as_int(body.get("page"), 1), _as_int(body.get("page_size"), 10)
    flow_type = _as_int(body.get("flow_type"), 0)
    year_month = body.get("year_month") or datetime.now(BEIJING).strftime("%Y_%m")  # default: this month
    if (
        page is None
        or size is None
        or page < 1
        or not 1 <= size <= 100
        or flow_type not in (0, 1, 2, 3)
        or not re.fullmatch(r"\d{4}_\d{2}", str(year_month))
    ):
        return json_reply(VENDOR_ERRORS["xiaoe"]["bad_params"])
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
            "created_at": _text_time(r.at),
            "remark": r.type_name,
        }
        for r in _paged(selected, page, size)
    ]
    # Paging in the same shape as info.batch (the flow.list reply shape is not in our docs).
    page_info = {
        "current_page": page,
        "last_page": max(1, -(-len(selected) // size)),
        "page_size": size,
        "total": len(selected),
    }
    return json_reply({"code": 0, "msg": "Success", "data": {"list": rows, "page": page_info}})


# --- Kingdee JDY (vendor-docs/kingdee-jdy-integral_record.md, VENDORS.md §3) ----------------------------
def _kingdee_verify(state: SandboxState, request: Request) -> tuple[Account | None, Reply | None]:
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
        return None, json_reply(VENDOR_ERRORS["kingdee"]["bad_signature"], 519)
    return account, None


def kingdee_token(state: SandboxState, request: Request, empty: bool) -> Reply:
    account, error = _kingdee_verify(state, request)
    if error:
        return error
    app_key = request.query.get("app_key", "")
    expected = app_signature(account.credentials["app_key"], account.credentials["app_secret"])
    if app_key != account.credentials["app_key"] or not secrets.compare_digest(
        expected, request.query.get("app_signature", "")
    ):
        return json_reply(VENDOR_ERRORS["kingdee"]["bad_token"])
    token, lifetime = state.issue_token(account, "kd-")
    data = {
        "app-token": token,  # hyphenated (VENDORS.md §3)
        "expires": int((time.time() + lifetime) * 1000),  # epoch ms
        "domain": account.credentials["domain"],
    }
    return json_reply({"errcode": 0, "description": "成功", "data": data})


def kingdee_records(state: SandboxState, request: Request, empty: bool) -> Reply:
    account, error = _kingdee_verify(state, request)
    if error:
        return error
    token_account = state.token_account("kingdee", request.headers.get("app-token", ""))
    if token_account is None or token_account.key != account.key:
        return json_reply(VENDOR_ERRORS["kingdee"]["bad_token"])
    if request.headers.get("X-GW-Router-Addr", "").rstrip("/") != account.credentials["domain"]:
        return json_reply(VENDOR_ERRORS["kingdee"]["bad_router"])
    query = request.query
    page, size = _as_int(query.get("page"), 1), _as_int(query.get("page_size"), 10)
    start, end = _parse_text_time(query.get("start_date")), _parse_text_time(query.get("end_date"))
    if page is None or size is None or page < 1 or size < 1 or False in (start, end):
        return json_reply(VENDOR_ERRORS["kingdee"]["bad_params"])
    dataset = account.dataset
    if query.get("member_id"):
        member = dataset.by_id.get(query["member_id"])
        members = [member] if member else []
    elif query.get("mobile"):
        members = dataset.by_mobile.get(query["mobile"], [])
    else:
        members = None
    if members is None:
        pairs = dataset.ledger
    elif len(members) == 1:
        pairs = members[0].records_newest_first
    else:
        pairs = sorted(
            ((r, m) for m in members for r in m.records), key=lambda pair: (pair[0].at, pair[0].seq), reverse=True
        )
    type_code, record_id = query.get("integral_type"), query.get("id")
    selected = [
        (r, m)
        for r, m in ([] if empty else pairs)
        if (start is None or r.at >= start)
        and (end is None or r.at <= end)
        and (not type_code or r.type_code == type_code)
        and (not record_id or str(r.seq) == record_id)
    ]
    # Reported quirk (VENDORS.md §3): page_size over 100 is cut to 100, total_page still uses the size asked.
    served = min(size, 100)
    rows = [
        {
            "create_time": _text_time(r.at),
            "id": str(r.seq),
            "integral": str(r.balance_after),
            "last_integral": str(r.balance_before),
            "member_id": m.member_id,
            "member_name": m.name,
            "modify_time": _text_time(r.at),
            "occur": str(r.change),
            "type_id": f"T{r.type_code}",
            "type_name": r.type_name,
            "type_number": r.type_code,
        }
        for r, m in selected[(page - 1) * served : (page - 1) * served + served]
    ]
    data = {
        "count": len(selected),
        "cur_page_size": len(rows),
        "page": page,
        "page_size": size,
        "rows": rows,
        "total_page": -(-len(selected) // size),
    }
    return json_reply({"data": data, "description": "success", "errcode": 0})


ROUTES: dict[tuple[str, str], tuple[str, Handler, bool]] = {
    # (method, path) → (vendor, handler, is a data endpoint that faults apply to)
    ("POST", "/upbot/api/auth/GetAccessToken"): ("xinyue", xinyue_token, False),
    ("POST", "/upbot/api/auth/RefreshToken"): ("xinyue", xinyue_refresh, False),
    ("POST", "/upbot/api/GetUserClubPointsList"): ("xinyue", xinyue_points_list, True),
    ("POST", "/upbot/api/GetUserClubPoints"): ("xinyue", xinyue_points, True),
    ("GET", "/token"): ("xiaoe", xiaoe_token, False),
    ("POST", "/xe.account.info.batch/1.0.0"): ("xiaoe", xiaoe_balances, True),
    ("POST", "/xe.account.flow.list/1.0.0"): ("xiaoe", xiaoe_flows, True),
    ("GET", "/jdyconnector/app_management/kingdee_auth_token"): ("kingdee", kingdee_token, False),
    ("GET", "/jdy/v2/ls/integral_record"): ("kingdee", kingdee_records, True),
}


# --- the sandbox's own control endpoints ---------------------------------------------------------------
def control(state: SandboxState, request: Request) -> Reply:
    if request.path == "/_sandbox/counters" and request.method == "GET":
        with state.lock:
            return json_reply(dict(state.counters))
    if request.path == "/_sandbox/config" and request.method == "GET":
        return json_reply({vendor: asdict(knobs) for vendor, knobs in state.knobs.items()})
    if request.path == "/_sandbox/reset" and request.method == "POST":
        state.reset()
        return json_reply({"ok": True})
    if request.path == "/_sandbox/config" and request.method == "POST":
        changes = request.json()
        if not isinstance(changes, dict) or not set(changes) <= set(VENDORS):
            return json_reply({"error": f"expected an object keyed by vendor: {', '.join(VENDORS)}"}, 400)
        allowed = set(Knobs.__dataclass_fields__)
        for knobs in changes.values():
            if not isinstance(knobs, dict) or not set(knobs) <= allowed:
                return json_reply({"error": f"knobs are {sorted(allowed)}"}, 400)
            if knobs.get("fault") not in (None, *FAULTS):
                return json_reply({"error": f"fault is one of {FAULTS} or null"}, 400)
            if knobs.get("hostile_data") not in (None, *hostile.HOSTILE_KINDS):
                return json_reply({"error": f"hostile_data is one of {hostile.HOSTILE_KINDS} or null"}, 400)
        with state.lock:
            for vendor, knobs in changes.items():
                for name, value in knobs.items():
                    setattr(state.knobs[vendor], name, value)
        return json_reply({vendor: asdict(knobs) for vendor, knobs in state.knobs.items()})
    if request.path == "/_sandbox/health":
        return json_reply({"ok": True})
    return json_reply({"error": "unknown sandbox control endpoint"}, 404)


def dispatch(state: SandboxState, request: Request) -> Reply:
    if request.path.startswith("/_sandbox/"):
        return control(state, request)
    route = ROUTES.get((request.method, request.path))
    if route is None:
        return json_reply({"error": f"no such endpoint: {request.method} {request.path}"}, 404)
    vendor, handler, is_data = route
    state.count(f"calls:{request.method} {request.path}")
    knobs = state.knobs[vendor]
    if knobs.latency_ms:
        time.sleep(knobs.latency_ms / 1000)
    fault = request.headers.get("X-Sandbox-Fault") or knobs.fault if is_data else None
    if is_data and fault is None and knobs.error_rate:
        with state.lock:
            if state.error_rng.random() < knobs.error_rate:
                fault = "http_500"
    if fault == "timeout":
        time.sleep(min(float(knobs.timeout_seconds), 60.0))
        fault = None
    if fault == "expired_token":
        # Once: every current token of the vendor becomes stale, as if it expired mid-session.
        state.expire_tokens(vendor)
        with state.lock:
            if knobs.fault == "expired_token":
                knobs.fault = None
        fault = None
    reply = _fault_reply(vendor, fault) if fault else None
    reply = reply or handler(state, request, fault == "empty")
    return hostile.hostile_reply(vendor, reply, knobs.hostile_data) if is_data and knobs.hostile_data else reply


class SandboxRequestHandler(BaseHTTPRequestHandler):
    server_version = "VendorSandbox/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, so clients' connection pools work as with real vendors
    # One segment per reply (buffered, flushed after each request) and no Nagle: otherwise headers and
    # body leave in two small writes and the client's delayed ACK adds ~40 ms to every call.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        request = Request(self.command, parts.path, dict(pairs), pairs, self.headers, body)
        try:
            reply = dispatch(self.server.state, request)  # type: ignore[attr-defined]
        except Exception:  # a sandbox bug answers 500 like a vendor would, and is logged
            logger.exception("sandbox error on %s %s", request.method, request.path)
            reply = Reply(500, b"sandbox error", "text/plain")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = _handle
    do_POST = _handle

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SandboxState | None = None) -> None:
        self.state = state or SandboxState()
        super().__init__(address, SandboxRequestHandler)
