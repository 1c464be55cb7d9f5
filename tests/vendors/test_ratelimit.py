"""The client-side rate limit shared through the cache (vendors/ratelimit.py): Xiaoe's 500 calls per
10 s must never be exceeded in any window, by all workers together. Proven with a small limit so that the
test takes seconds, on the local-memory cache and on Redis."""

from __future__ import annotations

import json
import threading
import time

import pytest
import responses

from vendors.exceptions import VendorRateLimited
from vendors.ratelimit import CacheRateLimiter, RateLimit
from vendors.xiaoe import XiaoeClient

BASE = "https://xiaoe.vendor.test"
TOKEN_URL = BASE + "/token"
BATCH_URL = BASE + "/xe.account.info.batch/1.0.0"
EMPTY_BATCH = {"code": 0, "msg": "ok", "data": {"list": [], "page": {"current_page": 1, "last_page": 1, "total": 0}}}


def test_xiaoe_declares_its_documented_limit():
    assert XiaoeClient.rate_limit == RateLimit(calls=500, period_seconds=10)


def _max_in_any_window(stamps: list[float], window: float) -> int:
    stamps = sorted(stamps)
    return max(sum(1 for other in stamps if start <= other < start + window) for start in stamps)


def test_the_limit_is_never_exceeded_in_any_window(shared_cache, vendor_http, make_config, monkeypatch):
    limit = RateLimit(calls=4, period_seconds=1.0, max_wait_seconds=15)
    monkeypatch.setattr(XiaoeClient, "rate_limit", limit)
    vendor_http.get(TOKEN_URL, json={"code": 0, "msg": "ok", "data": {"access_token": "xe_tok", "expires_in": 7200}})
    stamps: list[float] = []

    def reply(request):
        stamps.append(time.monotonic())  # when the vendor sees the call
        return 200, {}, json.dumps(EMPTY_BATCH)

    vendor_http.add_callback(responses.POST, BATCH_URL, callback=reply)
    config = make_config("xiaoe", id=400)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(2):
                XiaoeClient(config).balances_by_ids(member_ids=["u_1"])
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(stamps) == 12
    assert _max_in_any_window(stamps, limit.period_seconds) <= limit.calls
    # 12 calls at 4 a second cannot all have gone out within two seconds: the limiter held them back.
    assert max(stamps) - min(stamps) >= 2.0


def test_calls_under_the_limit_are_not_delayed(shared_cache):
    limiter = CacheRateLimiter(scope="quick", limit=RateLimit(calls=20, period_seconds=10), vendor="xiaoe")
    started = time.monotonic()
    for _ in range(20):
        limiter.acquire()
    assert time.monotonic() - started < 0.5


def test_a_caller_waits_a_bounded_time_then_is_told_it_is_rate_limited():
    limiter = CacheRateLimiter(
        scope="tight", limit=RateLimit(calls=2, period_seconds=10, max_wait_seconds=0.3), vendor="xiaoe"
    )
    limiter.acquire()
    limiter.acquire()
    started = time.monotonic()
    with pytest.raises(VendorRateLimited):
        limiter.acquire()
    assert time.monotonic() - started < 1.0


def test_a_refused_call_gives_its_slot_back():
    limiter = CacheRateLimiter(
        scope="refund", limit=RateLimit(calls=1, period_seconds=10, max_wait_seconds=0), vendor="xiaoe"
    )
    limiter.acquire()
    for _ in range(3):
        with pytest.raises(VendorRateLimited):
            limiter.acquire()
    # Three refused calls took nothing: a second limiter sharing the counters sees exactly one call made.
    other = CacheRateLimiter(
        scope="refund", limit=RateLimit(calls=2, period_seconds=10, max_wait_seconds=0), vendor="xiaoe"
    )
    other.acquire()
    with pytest.raises(VendorRateLimited):
        other.acquire()


def test_connections_of_the_same_app_share_one_limit(vendor_http, make_config, monkeypatch):
    monkeypatch.setattr(XiaoeClient, "rate_limit", RateLimit(calls=1, period_seconds=10, max_wait_seconds=0.1))
    for token in ("xe_tok_a", "xe_tok_b", "xe_tok_c"):
        vendor_http.get(TOKEN_URL, json={"code": 0, "msg": "ok", "data": {"access_token": token, "expires_in": 7200}})
    vendor_http.post(BATCH_URL, json=EMPTY_BATCH)
    same_app = make_config("xiaoe", id=501)
    same_app_again = make_config("xiaoe", id=502)
    other_app = make_config("xiaoe", id=503, credentials={"app_id": "app_other", "secret_key": "other-secret-99"})

    XiaoeClient(same_app).balances_by_ids(member_ids=["u_1"])
    with pytest.raises(VendorRateLimited):
        XiaoeClient(same_app_again).balances_by_ids(member_ids=["u_1"])
    XiaoeClient(other_app).balances_by_ids(member_ids=["u_1"])
    assert sum(call.request.url == BATCH_URL for call in vendor_http.calls) == 2
