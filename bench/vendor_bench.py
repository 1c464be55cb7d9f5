"""Vendor-client benchmark: one run prints one table (method in bench/README.md).

  .venv/bin/python bench/vendor_bench.py [--burst 2000]

Starts the vendor sandbox on a free loopback port and uses Redis on 127.0.0.1 as the shared cache, like
production. Measures: token fetches under 50 concurrent lookups (threads, and 4 processes x 13 threads);
calls to Xiaoe in a burst from 4 processes x 10 threads against a sandbox enforcing 500 calls per 10 s
(violations must be 0); client round trip per call against a zero-latency sandbox; flow.list calls of a
12-month Xiaoe export of 10,000 records (at most the pages per month summed + 12). Bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("CACHE_URL", os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
os.environ.setdefault("CACHE_KEY_PREFIX", "pointsadmin-bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.utils import timezone  # noqa: E402

from sandbox.demo import DEMO_IDENTIFIERS, TEST_ACCOUNTS  # noqa: E402
from vendors.parsing import SHANGHAI  # noqa: E402
from vendors.registry import client_class  # noqa: E402
from vendors.results import (  # noqa: E402
    ConnectionConfig,
    HistoryQuery,
    LookupKind,
    MemberRef,
    distinct_records,
    pinned_to_now,
)

MEMBERS = {
    "xinyue": MemberRef(LookupKind.OPENID, DEMO_IDENTIFIERS["xinyue_openid"]),
    "xiaoe": MemberRef(LookupKind.USER_ID, DEMO_IDENTIFIERS["xiaoe_user_id"]),
    "kingdee": MemberRef(LookupKind.MEMBER_ID, DEMO_IDENTIFIERS["kingdee_member_id"]),
}
CREDENTIALS = {account["vendor"]: account["credentials"] for account in TEST_ACCOUNTS}


def make_client(vendor: str, base_url: str, connection_id: int):
    config = ConnectionConfig(
        id=connection_id,
        vendor=vendor,
        base_url=base_url,
        credentials=dict(CREDENTIALS[vendor]),
        timeout=15.0,
    )
    return client_class(vendor)(config)


def run_threads(client, vendor: str, threads: int, calls_each: int) -> tuple[int, list[str]]:
    barrier = threading.Barrier(threads)
    ok = 0
    errors: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        nonlocal ok
        barrier.wait()
        for _ in range(calls_each):
            try:
                client.member_balance(member=MEMBERS[vendor])
                with lock:
                    ok += 1
            except Exception as error:  # noqa: BLE001 - counted and printed
                with lock:
                    errors.append(type(error).__name__)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    return ok, errors


def worker_main(vendor: str, base_url: str, connection_id: int, threads: int, calls_each: int) -> None:
    ok, errors = run_threads(make_client(vendor, base_url, connection_id), vendor, threads, calls_each)
    print(json.dumps({"ok": ok, "errors": errors}))


def in_processes(vendor: str, base_url: str, processes: int, threads: int, calls_each: int) -> tuple[int, list[str]]:
    connection_id = random.randrange(10**6, 10**9)  # a fresh id: no token cached from an earlier run
    command = [
        sys.executable,
        __file__,
        "--worker",
        vendor,
        base_url,
        str(connection_id),
        str(threads),
        str(calls_each),
    ]
    children = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
        for _ in range(processes)
    ]
    ok, errors = 0, []
    for child in children:
        out, _ = child.communicate(timeout=600)
        report = json.loads(out.strip().splitlines()[-1])
        ok += report["ok"]
        errors += report["errors"]
    return ok, errors


def export_flow_calls(base_url: str, counters) -> tuple[int, int, int]:
    """A 12-month export of the 10,000-record Xiaoe member, read as the member export reads it
    (page after page, as one client): (rows, flow.list calls, pages per month summed)."""
    client = make_client("xiaoe", base_url, random.randrange(10**6, 10**9))
    member = MemberRef(LookupKind.USER_ID, DEMO_IDENTIFIERS["xiaoe_user_id_10k"])
    now = timezone.now()
    query = pinned_to_now(HistoryQuery(start=now - timedelta(days=365), end=now))
    size = client.profile.max_page_size
    before = counters().get("calls:POST /xe.account.flow.list/1.0.0", 0)
    rows = []
    for number in range(1, 1000):
        page = client.member_history(member=member, query=replace(query, page=number, page_size=size))
        rows += page.items
        if not page.has_next:
            break
    rows = list(distinct_records(rows))
    calls = counters().get("calls:POST /xe.account.flow.list/1.0.0", 0) - before
    # The range holds the whole history (330 days), so each month's rows are all the vendor's rows of that month.
    per_month = Counter(row.occurred_at.astimezone(SHANGHAI).strftime("%Y_%m") for row in rows)
    return len(rows), calls, sum(math.ceil(count / size) for count in per_month.values())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=2000, help="Xiaoe calls in the burst (default 2000)")
    parser.add_argument("--samples", type=int, default=200, help="calls per latency figure (default 200)")
    args = parser.parse_args()

    port = free_port()
    sandbox = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port)], cwd=ROOT, stderr=subprocess.DEVNULL
    )
    rows: list[tuple[str, str, str]] = []
    try:
        for _ in range(100):
            try:
                requests.get(f"{sandbox}/_sandbox/health", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)

        def counters() -> dict[str, int]:
            return requests.get(f"{sandbox}/_sandbox/counters", timeout=5).json()

        def reset(**knobs: object) -> None:
            requests.post(f"{sandbox}/_sandbox/reset", timeout=5)
            if knobs:
                config = dict.fromkeys(MEMBERS, knobs)
                requests.post(f"{sandbox}/_sandbox/config", json=config, timeout=5)

        # 1. Token fetches under 50 concurrent lookups.
        for vendor in MEMBERS:
            reset(latency_ms=50)
            client = make_client(vendor, sandbox, random.randrange(10**6, 10**9))
            ok, errors = run_threads(client, vendor, 50, 1)
            threads_fetches = counters().get(f"token_fetches:{vendor}", 0)
            reset(latency_ms=50)
            ok_p, errors_p = in_processes(vendor, sandbox, 4, 13, 1)
            process_fetches = counters().get(f"token_fetches:{vendor}", 0)
            rows.append(
                (
                    f"{vendor}: token fetches, 50 threads / 4 processes x 13 threads",
                    f"{threads_fetches} / {process_fetches} ({ok + ok_p} ok, {len(errors + errors_p)} failed)",
                    "1 / 1",
                )
            )

        # 2. Client round trip per call, zero-latency sandbox, one thread (token already cached).
        reset()
        for vendor in MEMBERS:
            client = make_client(vendor, sandbox, random.randrange(10**6, 10**9))
            client.member_balance(member=MEMBERS[vendor])
            samples = []
            for _ in range(args.samples):
                begun = time.perf_counter()
                client.member_balance(member=MEMBERS[vendor])
                samples.append((time.perf_counter() - begun) * 1000)
            samples.sort()
            rows.append(
                (
                    f"{vendor}: client round trip per call (zero-latency sandbox)",
                    f"p50 {statistics.median(samples):.2f} ms, p95 {samples[int(0.95 * (len(samples) - 1))]:.2f} ms",
                    "—",
                )
            )
        # 3. flow.list calls of a 12-month export (one month per call, each vendor page read once).
        reset()
        exported, flow_calls, month_pages = export_flow_calls(sandbox, counters)
        rows.append(
            (
                f"xiaoe: flow.list calls, 12-month export of {exported:,} records",
                f"{flow_calls} calls ({month_pages} pages per month summed)",
                f"<= {month_pages + 12}",
            )
        )

        # 4. A burst of Xiaoe calls from 4 processes x 10 threads; the sandbox enforces 500 per 10 s.
        # Last: it fills the rate-limit window that every client of that Xiaoe app shares.
        reset()
        per_thread = max(1, args.burst // 40)
        started = time.perf_counter()
        ok, errors = in_processes("xiaoe", sandbox, 4, 10, per_thread)
        elapsed = time.perf_counter() - started
        burst_counters = counters()
        calls = burst_counters.get("calls:POST /xe.account.info.batch/1.0.0", 0)
        violations = burst_counters.get("rate_limit_violations:xiaoe", 0)
        rows.append(
            (
                f"xiaoe: burst of {per_thread * 40} calls, 500 per 10 s enforced",
                f"{calls} calls in {elapsed:.1f} s ({calls / elapsed:.0f}/s), {violations} violations, "
                f"{len(errors)} failed",
                "0 violations",
            )
        )

    finally:
        server.terminate()
        server.wait(timeout=10)

    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure'.ljust(width)}  {'figure':58}  goal")
    for name, figure, goal in rows:
        print(f"{name.ljust(width)}  {figure:58}  {goal}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
        sys.exit(0)
    sys.exit(main())
