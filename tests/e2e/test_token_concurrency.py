"""Many simultaneous lookups make ONE token fetch per connection, counted by the sandbox itself:
50 threads in one process (local-memory cache), and 4 processes x 13 threads sharing Redis; after the
vendor revokes every token at once, 20 member pages in parallel make ONE new fetch and all succeed."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from connections.clients import connection_client
from ledger.services.members import VendorMember, member_page
from sandbox.demo import DEMO_IDENTIFIERS
from sandbox.testing import running_sandbox
from vendors.results import HistoryQuery, LookupKind, MemberRef

pytestmark = pytest.mark.e2e

VENDORS = ["xinyue", "xiaoe", "kingdee"]
MEMBERS = {
    "xinyue": MemberRef(LookupKind.OPENID, DEMO_IDENTIFIERS["xinyue_openid"]),
    "xiaoe": MemberRef(LookupKind.USER_ID, DEMO_IDENTIFIERS["xiaoe_user_id"]),
    "kingdee": MemberRef(LookupKind.MEMBER_ID, DEMO_IDENTIFIERS["kingdee_member_id"]),
}
PROJECT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox() as handle:
        yield handle


@pytest.mark.parametrize("vendor", VENDORS)
def test_fifty_threads_fetch_one_token(sandbox, make_connection, vendor):
    sandbox.reset()
    # The token endpoint is slow, so every thread arrives while the first fetch is under way.
    sandbox.set_knobs(vendor, latency_ms=50)
    connection = make_connection(vendor, base_url=sandbox.base_url)
    client = connection_client(connection)
    barrier = threading.Barrier(50)
    failures: list[BaseException] = []

    def lookup() -> None:
        barrier.wait()
        try:
            assert client.member_balance(member=MEMBERS[vendor]) is not None
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=lookup) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sandbox.counters()[f"token_fetches:{vendor}"] == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_four_processes_sharing_redis_fetch_one_token(sandbox, vendor):
    sandbox.reset()
    sandbox.set_knobs(vendor, latency_ms=50)
    # A connection id no earlier run used, so no token is in Redis yet.
    connection_id = random.randrange(10**6, 10**9)
    env = {**os.environ, "CACHE_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(PROJECT)}
    env.pop("DATABASE_URL", None)  # the workers need no database
    worker = [sys.executable, str(Path(__file__).with_name("sandbox_lookup_worker.py"))]
    processes = [
        subprocess.Popen(
            [*worker, vendor, sandbox.base_url, str(connection_id), "13"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for (stdout, stderr), process in zip(outputs, processes, strict=True):
        assert process.returncode == 0, stderr[-2000:]
        report = json.loads(stdout.strip().splitlines()[-1])
        assert report == {"ok": 13, "errors": []}
    assert sandbox.counters()[f"token_fetches:{vendor}"] == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_twenty_pages_after_a_mass_revocation_make_one_new_token_and_all_succeed(sandbox, make_connection, vendor):
    """Issue 17 #5: every page in flight is refused at once; one of them renews the token, the others wait for
    it (or find it), and none retries with the stale one. Each thread does what a member page does: the page's
    selector, balance and history at once (the template adds no vendor call)."""
    sandbox.reset()
    sandbox.set_knobs(vendor, latency_ms=50)  # the renewal is under way while the other refusals arrive
    connection = make_connection(vendor, base_url=sandbox.base_url)
    now = timezone.now()
    query = HistoryQuery(start=now - timedelta(days=30), end=now + timedelta(hours=1))
    first = member_page(
        vendor_member=VendorMember(connection, connection_client(connection), MEMBERS[vendor]), query=query
    )
    assert first.balance.error is None
    sandbox.revoke_tokens(vendor)
    barrier = threading.Barrier(20)
    failures: list[object] = []

    def page() -> None:
        barrier.wait()
        try:
            shown = member_page(
                vendor_member=VendorMember(connection, connection_client(connection), MEMBERS[vendor]), query=query
            )
            failures.extend(outcome.error for outcome in (shown.balance, shown.history) if outcome.error is not None)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=page) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    counters = sandbox.counters()
    assert failures == []
    # The revocation met many pages in flight at once (not all: the page's calls share a pool of threads, and
    # those that start after the renewal carry the new token).
    assert counters[f"token_rejections:{vendor}"] >= 10
    assert counters[f"token_fetches:{vendor}"] == 2
