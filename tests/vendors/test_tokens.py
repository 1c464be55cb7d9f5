"""The token cache (vendors/tokens.py): one token per connection for the whole deployment, refreshed
before expiry, fetched once however many threads and processes ask at the same moment. Run on the
local-memory cache and on the real Redis; the cross-process test needs Redis (as production does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
import responses
from django.core.cache import cache
from django.test import override_settings
from responses import matchers

from tests.vendors.conftest import REDIS_URL
from vendors import tokens
from vendors.exceptions import VendorAuthError, VendorTimeout, VendorUnavailable
from vendors.results import LookupKind, MemberRef
from vendors.tokens import TokenStore, fingerprint, token_retry_after
from vendors.xinyue import XinyueClient

BASE = "https://xinyue.vendor.test"
TOKEN_URL = BASE + "/upbot/api/auth/GetAccessToken"
BALANCE_URL = BASE + "/upbot/api/GetUserClubPoints"
MEMBER = MemberRef(LookupKind.OPENID, "openid_0001")
ROOT = Path(__file__).resolve().parents[2]


def token_reply(value: str, expires_in: int = 7200) -> dict:
    return {"ret": 0, "msg": "ok", "data": {"access_token": value, "expires_in": expires_in, "refresh_token": "r"}}


def add_balance(mock: responses.RequestsMock, token: str) -> responses.BaseResponse:
    return mock.post(
        BALANCE_URL,
        json={"ret": 0, "msg": "", "data": {"amount": 10}},
        match=[matchers.header_matcher({"Authorization": token})],
    )


def test_a_token_is_fetched_once_and_reused(vendor_http, make_config):
    fetch = vendor_http.post(TOKEN_URL, json=token_reply("tok-1"))
    balance = add_balance(vendor_http, "tok-1")
    client = XinyueClient(make_config("xinyue"))
    client.member_balance(member=MEMBER)
    # A second client of the same connection (the next request) finds the token in the shared cache.
    XinyueClient(make_config("xinyue")).member_balance(member=MEMBER)
    assert fetch.call_count == 1
    assert balance.call_count == 2


def test_the_token_is_refreshed_shortly_before_it_expires(vendor_http, make_config, monkeypatch):
    vendor_http.post(TOKEN_URL, json=token_reply("tok-1", expires_in=7200))
    add_balance(vendor_http, "tok-1")
    client = XinyueClient(make_config("xinyue"))
    client.member_balance(member=MEMBER)

    real_clock = tokens.now
    monkeypatch.setattr(tokens, "now", lambda: real_clock() + 6800)  # 400 s before expiry: still used
    client.member_balance(member=MEMBER)

    vendor_http.replace(responses.POST, TOKEN_URL, json=token_reply("tok-2", expires_in=7200))
    add_balance(vendor_http, "tok-2")
    monkeypatch.setattr(tokens, "now", lambda: real_clock() + 6950)  # 250 s before expiry: refreshed
    client.member_balance(member=MEMBER)
    client.member_balance(member=MEMBER)  # and the new one is cached in turn
    assert [call.request.url for call in vendor_http.calls] == [
        TOKEN_URL,
        BALANCE_URL,
        BALANCE_URL,
        TOKEN_URL,
        BALANCE_URL,
        BALANCE_URL,
    ]


def test_editing_the_credentials_starts_from_a_new_token(vendor_http, make_config):
    vendor_http.post(
        TOKEN_URL,
        json=token_reply("tok-old"),
        match=[
            matchers.json_params_matcher(
                {"appid": "xy-app-1001", "app_secret": "xy-secret-7f3a9c1e5b2d4f60", "grant_type": "client_credentials"}
            )
        ],
    )
    vendor_http.post(
        TOKEN_URL,
        json=token_reply("tok-new"),
        match=[
            matchers.json_params_matcher(
                {"appid": "xy-app-1001", "app_secret": "another-secret-0a1b2c3d", "grant_type": "client_credentials"}
            )
        ],
    )
    add_balance(vendor_http, "tok-old")
    add_balance(vendor_http, "tok-new")
    XinyueClient(make_config("xinyue")).member_balance(member=MEMBER)
    edited = make_config("xinyue", credentials={"appid": "xy-app-1001", "app_secret": "another-secret-0a1b2c3d"})
    XinyueClient(edited).member_balance(member=MEMBER)


def test_cache_keys_name_the_connection_but_hold_no_secret(make_config, settings):
    config = make_config("xinyue", id=77)
    store = TokenStore(config=config, fetch=lambda: tokens.AccessToken("x", 0), fetch_seconds=1)
    for key in (store.key, store.lock_key, store.failure_key, store.renewal_key):
        assert ":77:" in key
        assert config.credentials["app_secret"] not in key
    edited = make_config("xinyue", id=77, credentials={**config.credentials, "app_secret": "rotated-secret-1234"})
    assert fingerprint(edited) != fingerprint(config)
    assert fingerprint(make_config("xinyue", id=77, base_url="https://bgw-t.xinyue.qq.com")) != fingerprint(config)
    before = fingerprint(config)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"  # keyed: a remembered hash is not reused
    assert fingerprint(config) != before


def test_invalidating_a_stale_token_keeps_a_fresher_one(vendor_http, make_config):
    vendor_http.post(TOKEN_URL, json=token_reply("tok-fresh"))
    store = XinyueClient(make_config("xinyue")).tokens
    assert store.get() == "tok-fresh"
    store.invalidate("tok-from-before")  # another worker's stale token: already replaced
    assert store.get() == "tok-fresh"
    store.invalidate("tok-fresh")
    vendor_http.replace(responses.POST, TOKEN_URL, json=token_reply("tok-next"))
    assert store.get() == "tok-next"
    assert [call.request.url for call in vendor_http.calls] == [TOKEN_URL, TOKEN_URL]


def test_a_refused_token_gives_way_to_the_token_another_worker_stored(vendor_http, make_config):
    # Worker A's call with tok-1 is refused; meanwhile worker B found tok-1 refused too and fetched tok-2.
    tokens_issued = iter(["tok-1", "tok-2"])
    fetch = vendor_http.add_callback(
        responses.POST, TOKEN_URL, callback=lambda request: (200, {}, json.dumps(token_reply(next(tokens_issued))))
    )
    config = make_config("xinyue")

    def refuse_after_worker_b_renewed(request):
        worker_b = XinyueClient(config).tokens
        worker_b.invalidate(worker_b.get())
        assert worker_b.get() == "tok-2"
        return 401, {}, "{}"

    vendor_http.add_callback(
        responses.POST,
        BALANCE_URL,
        callback=refuse_after_worker_b_renewed,
        match=[matchers.header_matcher({"Authorization": "tok-1"})],
    )
    add_balance(vendor_http, "tok-2")
    # A's call is refused once and goes again with B's token: no third fetch.
    assert XinyueClient(config).member_balance(member=MEMBER).total == 10
    assert fetch.call_count == 2
    assert [
        call.request.headers.get("Authorization") for call in vendor_http.calls if call.request.url == BALANCE_URL
    ] == [
        "tok-1",
        "tok-2",
    ]


def test_twenty_callers_refused_at_once_get_one_new_token(shared_cache, vendor_http, make_config):
    """A mass revocation: every caller holding the old token is refused at the same moment (issue 17 #5)."""
    tokens_issued = iter(["tok-old", "tok-new", "tok-spare"])

    def token(request):
        time.sleep(0.2)  # the others are refused while the new token is being fetched
        return 200, {}, json.dumps(token_reply(next(tokens_issued)))

    fetch = vendor_http.add_callback(responses.POST, TOKEN_URL, callback=token)
    config = make_config("xinyue", id=304)
    XinyueClient(config).tokens.get()
    refusals = vendor_http.post(BALANCE_URL, status=401, match=[matchers.header_matcher({"Authorization": "tok-old"})])
    balance = add_balance(vendor_http, "tok-new")
    errors = _run_threads(20, lambda: XinyueClient(config).member_balance(member=MEMBER))
    assert errors == []
    assert fetch.call_count == 2
    assert (refusals.call_count, balance.call_count) == (20, 20)


def test_twenty_callers_answered_1001_with_a_dead_token_get_one_new_token(shared_cache, vendor_http, make_config):
    # Xinyue says only 1001 for a dead token (VENDORS.md §1): one renewal, and every caller waits for it.
    tokens_issued = iter(["tok-old", "tok-new", "tok-spare"])

    def token(request):
        time.sleep(0.2)
        return 200, {}, json.dumps(token_reply(next(tokens_issued)))

    fetch = vendor_http.add_callback(responses.POST, TOKEN_URL, callback=token)
    config = make_config("xinyue", id=305)
    XinyueClient(config).tokens.get()
    vendor_http.post(
        BALANCE_URL,
        json={"ret": 1001, "msg": "请求参数错误，请稍后再试"},  # noqa: RUF001 - the vendor's own text
        match=[matchers.header_matcher({"Authorization": "tok-old"})],
    )
    balance = add_balance(vendor_http, "tok-new")
    errors = _run_threads(20, lambda: XinyueClient(config).member_balance(member=MEMBER))
    assert errors == []
    assert fetch.call_count == 2
    assert balance.call_count == 20


def _slow_token(value: str, delay: float = 0.3):
    def reply(request):
        time.sleep(delay)
        return 200, {}, json.dumps(token_reply(value))

    return reply


def _run_threads(count: int, target) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        barrier.wait()
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - collected for the assertions
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return errors


def test_fifty_concurrent_requests_cause_one_token_fetch(shared_cache, vendor_http, make_config):
    fetch = vendor_http.add_callback(responses.POST, TOKEN_URL, callback=_slow_token("tok-shared"))
    balance = add_balance(vendor_http, "tok-shared")
    config = make_config("xinyue", id=300)
    errors = _run_threads(50, lambda: XinyueClient(config).member_balance(member=MEMBER))
    assert errors == []
    assert fetch.call_count == 1
    assert balance.call_count == 50


def test_refused_credentials_are_remembered_for_a_minute_by_every_worker(shared_cache, vendor_http, make_config):
    # Wrong or rotated credentials must not hammer a token endpoint with a tight limit of its own.
    fetch = vendor_http.post(TOKEN_URL, json={"ret": 1001, "msg": "appid 或 app_secret 错误"})
    config = make_config("xinyue", id=306)
    with pytest.raises(VendorAuthError):
        XinyueClient(config).member_balance(member=MEMBER)
    retry_at = token_retry_after(config)
    assert retry_at is not None
    assert 59 <= (retry_at - datetime.now(tz=UTC)).total_seconds() <= 61
    time.sleep(5.5)  # longer than a moment: the next page (another worker) is still answered from memory
    with pytest.raises(VendorAuthError) as caught:
        XinyueClient(config).member_balance(member=MEMBER)
    assert "app_secret 错误" in caught.value.user_message()
    assert fetch.call_count == 1
    # Edited credentials are a new start.
    edited = make_config("xinyue", id=306, credentials={**config.credentials, "app_secret": "fixed-secret-5678"})
    assert token_retry_after(edited) is None


def test_an_unreachable_token_endpoint_is_remembered_for_a_moment_only(vendor_http, make_config, pauses):
    vendor_http.post(TOKEN_URL, status=503)
    config = make_config("xinyue", id=307)
    with pytest.raises(VendorUnavailable):
        XinyueClient(config).tokens.get()
    retry_at = token_retry_after(config)
    assert retry_at is not None
    assert (retry_at - datetime.now(tz=UTC)).total_seconds() <= 5


def test_no_failure_no_retry_time(vendor_http, make_config):
    vendor_http.post(TOKEN_URL, json=token_reply("tok-1"))
    config = make_config("xinyue", id=308)
    XinyueClient(config).tokens.get()
    assert token_retry_after(config) is None


def test_a_failed_fetch_is_shared_by_the_waiters_not_repeated(shared_cache, vendor_http, make_config):
    def refuse(request):
        time.sleep(0.3)
        return 200, {}, json.dumps({"ret": 1001, "msg": "appid 或 app_secret 错误"})

    fetch = vendor_http.add_callback(responses.POST, TOKEN_URL, callback=refuse)
    config = make_config("xinyue", id=301)
    errors = _run_threads(20, lambda: XinyueClient(config).member_balance(member=MEMBER))
    assert len(errors) == 20
    assert all(isinstance(error, VendorAuthError) for error in errors)
    assert {error.code for error in errors} == {1001}
    assert all("app_secret 错误" in error.user_message() for error in errors)
    assert fetch.call_count == 1


def test_a_lock_left_by_a_crashed_worker_expires_and_the_next_caller_fetches(vendor_http, make_config):
    fetch = vendor_http.post(TOKEN_URL, json=token_reply("tok-after-crash"))
    store = XinyueClient(make_config("xinyue", id=302)).tokens
    cache.add(store.lock_key, "a-worker-that-died", timeout=1)
    started = time.monotonic()
    assert store.get() == "tok-after-crash"
    assert 0.5 <= time.monotonic() - started < store.lock_seconds
    assert fetch.call_count == 1


def test_waiters_give_up_after_a_bounded_wait(make_config):
    # A tiny timeout makes the bound small: the lock lives (and waiters wait) one fetch's worth of time.
    store = XinyueClient(make_config("xinyue", id=303, timeout=0.1)).tokens
    cache.add(store.lock_key, "a-slow-worker", timeout=60)
    started = time.monotonic()
    with pytest.raises(VendorTimeout):
        store.get()
    assert store.lock_seconds - 0.5 <= time.monotonic() - started <= store.lock_seconds + 1


def test_one_token_fetch_across_processes_on_redis(redis_cache_settings):
    """4 processes x 13 threads ask for the token at once, sharing Redis as production workers do."""
    prefix = redis_cache_settings["default"]["KEY_PREFIX"]
    env = {**os.environ, "CACHE_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix, "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.vendors.token_race_worker", "13"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
        for worker in workers:  # all set up: let them go together
            worker.stdin.write("go\n")
            worker.stdin.flush()
        reports = []
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [report["errors"] for report in reports] == [[], [], [], []]
    assert sum(report["fetches"] for report in reports) == 1
    assert sum(report["calls"] for report in reports) == 52
    # Every call of every process carried the one token that was fetched.
    assert len({token for report in reports for token in report["tokens"]}) == 1
    # The token lives in Redis under the test's prefix, keyed without the secret.
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = [key.decode() for key in client.scan_iter(match=f"*{prefix}*")]
    finally:
        client.close()
    assert any("vendors:token:xinyue:901:" in key for key in keys)
    assert not any("xy-secret" in key for key in keys)


def test_the_cross_process_test_really_uses_redis(redis_cache_settings):
    # Guard against the test above passing on a per-process cache, where each process would fetch its own.
    with override_settings(CACHES=redis_cache_settings):
        cache.set("probe", 1)
        assert redis.Redis.from_url(REDIS_URL).exists(cache.make_key("probe")) == 1
