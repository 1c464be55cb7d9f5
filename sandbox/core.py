"""What every vendor of the sandbox shares: its state (accounts, tokens, counters, knobs), requests and
replies, and the small readers of request values. The vendors themselves are sandbox/xinyue.py, xiaoe.py
and kingdee.py; sandbox/server.py dispatches to them."""

from __future__ import annotations

import functools
import json
import random
import secrets
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox import demo
from sandbox.data import BEIJING, Dataset, build_dataset, history_end

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
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Knobs:
    """One vendor's knobs (POST /_sandbox/config). A vendor module gives its own defaults (VendorApi.knobs)."""

    latency_ms: int = 0
    error_rate: float = 0.0  # share of data calls answered with HTTP 500
    fault: str | None = None  # one of FAULTS, for every data call until cleared
    token_lifetime: int = 7200  # seconds
    timeout_seconds: float = 30.0  # how long the "timeout" fault sleeps (bounded)
    rate_limit: int = 0  # data calls per 10 s per app (Xiaoe: 500, the seed doc); 0 = none
    token_limit: int = 0  # token calls per token_limit_seconds per account; 0 = none
    token_limit_seconds: float = 60.0
    shuffle_rows: bool = False  # Kingdee: the rows of a page in no particular order (the doc promises none)
    flow_list_total: bool = True  # Xiaoe flow.list: say the month's total (the reply's shape is unconfirmed)
    hostile_data: str | None = None  # one of sandbox.hostile.HOSTILE_KINDS, for every data reply until cleared
    # Data calls asking for page `fail_page` answer HTTP 500, `fail_page_times` times (-1: every time).
    fail_page: int = 0
    fail_page_times: int = 0


@dataclass
class Account:
    vendor: str
    key: str  # appid / app_id / client_id: how counters name the account
    credentials: dict[str, str]
    dataset_key: str
    datasets: Mapping[str, Dataset] = field(repr=False)

    @property
    def dataset(self) -> Dataset:
        return self.datasets[self.dataset_key]


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(payload: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(payload, ensure_ascii=False).encode())


def with_headers(reply: Reply, headers: dict[str, str]) -> Reply:
    reply.headers.update(headers)
    return reply


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


@dataclass
class Token:
    vendor: str
    account_key: str
    expires_at: float


class SandboxState:
    """Everything the sandbox knows; shared by the request threads under one lock."""

    def __init__(self, seed: int = 20261124, knob_defaults: dict[str, dict[str, Any]] | None = None) -> None:
        self.lock = threading.Lock()
        self.seed = seed
        self.knob_defaults = knob_defaults or {}
        self.datasets = Datasets(seed)
        self.accounts = [
            Account(entry["vendor"], _account_key(entry), dict(entry["credentials"]), entry["dataset"], self.datasets)
            for entry in [*demo.DEMO_CONNECTIONS, *demo.TEST_ACCOUNTS, *demo.BENCH_ACCOUNTS]
        ]
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.knobs = {vendor: Knobs(**defaults) for vendor, defaults in self.knob_defaults.items()}
            self.tokens: dict[str, Token] = {}
            self.refresh_tokens: dict[str, str] = {}  # Xinyue refresh token → account key
            self.counters: Counter[str] = Counter()
            self.windows: dict[str, deque[float]] = {}
            self.error_rng = random.Random(self.seed)
            self.shuffle_rng = random.Random(self.seed + 1)
            # Kingdee: a query's filtered records, kept for its next page (sandbox/kingdee.py); the newest 16 queries.
            self.selections: OrderedDict[tuple, list[Any]] = OrderedDict()

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

    # --- limits ------------------------------------------------------------------------------------
    def within_limit(self, name: str, key: str, limit: int, period_seconds: float) -> bool:
        """Sliding window of `period_seconds` per (name, key); every call is recorded, and each one over the limit
        is counted as a violation: name "rate_limit:xiaoe" counts `rate_limit_violations:xiaoe[:<key>]`."""
        if limit <= 0:
            return True
        now = time.monotonic()
        with self.lock:
            window = self.windows.setdefault(f"{name}:{key}", deque())
            while window and window[0] <= now - period_seconds:
                window.popleft()
            window.append(now)
            if len(window) > limit:
                kind, vendor = name.split(":", 1)
                self.counters[f"{kind}_violations:{vendor}"] += 1
                self.counters[f"{kind}_violations:{vendor}:{key}"] += 1
                return False
        return True

    def within_token_limit(self, vendor: str, key: str) -> bool:
        knobs = self.knobs[vendor]
        return self.within_limit(f"token_limit:{vendor}", key, knobs.token_limit, knobs.token_limit_seconds)

    def count(self, name: str) -> None:
        with self.lock:
            self.counters[name] += 1

    def shuffled(self, rows: list[Any]) -> list[Any]:
        with self.lock:
            self.shuffle_rng.shuffle(rows)
        return rows


def _account_key(entry: dict[str, Any]) -> str:
    credentials = entry["credentials"]
    return credentials.get("appid") or credentials.get("app_id") or credentials["client_id"]


class Datasets(dict):
    """The datasets by key: the demo's, built at start (always the same for a seed, whatever else is asked), and the
    bench shop's (`kingdee-bench`, about 100,000 records: 3,200 members of 3 to 60 records), built the first time a
    call of demo.BENCH_ACCOUNTS asks for it. `values()` lists only the datasets built so far."""

    def __init__(self, seed: int) -> None:
        self.end = history_end()
        super().__init__(build_datasets(seed, self.end))
        self._lazy: dict[str, Callable[[], Dataset]] = {
            "kingdee-bench": lambda: build_dataset(
                "kingdee-bench", seed=random.Random(f"{seed}-bench").randrange(2**31), size=3_200,
                id_maker=lambda index, _rng: str(500001 + index), end=self.end,
            ),
        }  # fmt: skip
        self._building = threading.Lock()

    def __missing__(self, key: str) -> Dataset:
        if key not in self._lazy:
            raise KeyError(key)
        with self._building:
            if not dict.__contains__(self, key):
                self[key] = self._lazy[key]()
            return dict.__getitem__(self, key)


def build_datasets(seed: int, end: datetime | None = None) -> dict[str, Dataset]:
    end = end or history_end()
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


# --- one vendor's API, as sandbox/server.py dispatches to it --------------------------------------------
Handler = Callable[[SandboxState, Request, bool], Reply]  # (state, request, answer empty?) → reply


@dataclass(frozen=True)
class Endpoint:
    handler: Handler
    data: bool  # a data endpoint: the fault knobs apply (token endpoints stay healthy)
    # The docs' header tables require Content-Type: application/json (Kingdee's even on a GET); where a doc is
    # silent (the token endpoints) the sandbox requires it too, except of Xiaoe's query-string-only GET /token.
    json_content: bool = True


@dataclass(frozen=True)
class VendorApi:
    """What a vendor module of the sandbox declares: its endpoints, the error bodies the faults use
    ("rate_limited", "wrong_shape", "vendor_error"), and its knobs' defaults."""

    name: str
    endpoints: dict[tuple[str, str], Endpoint]  # (method, path) → endpoint
    errors: dict[str, dict[str, Any]]
    knobs: dict[str, Any] = field(default_factory=dict)


# --- reading request values -----------------------------------------------------------------------------
def as_int(value: Any, default: int) -> int | None:
    """A number the docs type as string or integer; None when neither."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def json_int(value: Any, default: int) -> int | None:
    """A JSON integer, nothing else (no "1", no true, no 1.0); `default` when absent; None when not one."""
    if value is None:
        return default
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def digit_string(value: Any) -> int | None:
    """A JSON string of digits ("10"), read as its number; None for anything else (10, "ten", "")."""
    return int(value) if isinstance(value, str) and value.isdigit() else None


def parse_text_time(value: Any) -> datetime | bool | None:
    """A "YYYY-MM-DD HH:MM:SS" filter; None when absent, False when malformed."""
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=BEIJING)
    except ValueError:
        return False


def paged(rows: list[Any], page: int, size: int) -> list[Any]:
    return rows[(page - 1) * size : page * size]


@functools.lru_cache(maxsize=65536)
def text_time(moment: datetime) -> str:
    # Kept: a seeded record's time is written on every page that shows it, and the sandbox shares the
    # benchmark machine's cores with the dashboard it stands in for.
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def unix_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def asked_page(request: Request) -> int | None:
    """The page a data call asks for: Kingdee's in the query, Xinyue's and Xiaoe's in the JSON body (a number or a
    string of digits, as each vendor sends it); None when it names none that can be read."""
    body = request.json() if request.method == "POST" else None
    value = request.query.get("page") or (body.get("page") if isinstance(body, dict) else None)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None
