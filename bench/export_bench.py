"""Export benchmark: background export jobs against the sandbox at 200 ms a call (method in bench/README.md).

  .venv/bin/python bench/export_bench.py [--latency-ms 200] [--samples 30] [--quick]

Starts the vendor sandbox and a huey consumer (`manage.py run_huey`, production settings, DEBUG off) on PostgreSQL
(a throwaway database, pointsadmin_export_bench) and Redis (db 8) on 127.0.0.1, then runs two exports one after the
other: a 10,000-record Kingdee member history and the ~100,000-row ledger of the sandbox's bench shop
(sandbox/demo.py BENCH_ACCOUNTS). For each: vendor calls, wall time, the ratio of wall time to calls x latency /
concurrency, the consumer's peak RSS, rate-limit violations; and the p95 of an interactive member page while the
big export runs against its p95 with nothing running. `--quick`: the ledger's last 30 days only (~9,000 rows) and
10 idle samples, for a dry run. Bounded in count and time.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages are importable
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_EXPORT_REDIS_URL", "redis://127.0.0.1:6379/8")
BENCH_DB = "pointsadmin_export_bench"
CONCURRENCY = 4  # EXPORT_JOB_CONCURRENCY: pages of one job fetched at once
MAX_WAIT_SECONDS = 900  # per export
RECORDS_PATH = "GET /jdy/v2/ls/integral_record"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(work: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        "DEBUG": "false",
        "POINTSADMIN_DOTENV": "",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "VENDOR_ALLOW_PRIVATE_HOSTS": "true",  # the sandbox is on 127.0.0.1
        "DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB,
        "CACHE_URL": REDIS_URL,
        # A prefix of this run's own: the queue (RedisHuey) and the rate-limit windows start empty.
        "CACHE_KEY_PREFIX": f"pointsadmin-export-bench-{os.getpid()}",
        "EXPORT_ROOT": str(work / "exports"),
        "STATIC_ROOT": str(work / "static"),
        "EXPORT_JOB_CONCURRENCY": str(CONCURRENCY),
        "EXPORT_QUICK_SECONDS": "0",  # the button's POST answers at once: the job is timed from the press
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), from /proc: what the consumer needed at its largest."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--samples", type=int, default=None, help="interactive pages for the idle p95 (default 30)")
    parser.add_argument("--quick", action="store_true", help="a dry run: the ledger's last 30 days, 10 samples")
    args = parser.parse_args()
    samples = args.samples or (10 if args.quick else 30)

    import psycopg
    import requests

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    work = TemporaryDirectory(prefix="export-bench-")
    os.environ.update(environment(Path(work.name)))
    os.environ["DJANGO_SETTINGS_MODULE"] = "pointsadmin.settings"
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=os.environ.copy(), check=True)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=os.environ.copy(), check=True
    )

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from connections.models import VendorConnection
    from exports.models import ExportJob, ExportStatus
    from pointsadmin import roles
    from sandbox.demo import BENCH_ACCOUNTS, DEMO_IDENTIFIERS, TEST_ACCOUNTS

    port = free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    sandbox = subprocess.Popen([PYTHON, "-m", "sandbox", "--port", str(port)], cwd=ROOT, stderr=subprocess.DEVNULL)
    consumer_log = Path(work.name) / "consumer.log"
    consumer: subprocess.Popen | None = None
    rows: list[tuple[str, str, str]] = []
    try:
        for _ in range(100):
            try:
                requests.get(f"{sandbox_url}/_sandbox/counters", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)

        def counters() -> dict[str, int]:
            return requests.get(f"{sandbox_url}/_sandbox/counters", timeout=5).json()

        def data_calls(before: dict[str, int], after: dict[str, int]) -> int:
            return after.get(f"calls:{RECORDS_PATH}", 0) - before.get(f"calls:{RECORDS_PATH}", 0)

        def violations(counts: dict[str, int]) -> int:
            return sum(value for key, value in counts.items() if key.startswith("rate_limit_violations:"))

        roles.ensure_roles()
        user = User.objects.create_user("bench-manager", password="bench-password-1234")  # noqa: S106
        user.groups.add(Group.objects.get(name=roles.MANAGER))
        kingdee = next(account["credentials"] for account in TEST_ACCOUNTS if account["vendor"] == "kingdee")

        def connection(name: str, credentials: dict[str, str]) -> VendorConnection:
            return VendorConnection.objects.create(
                name=name, vendor="kingdee", base_url=sandbox_url, credentials=credentials
            )

        shop = connection("精斗云·上海旗舰店", kingdee)
        big_shop = connection("精斗云·基准店", BENCH_ACCOUNTS[0]["credentials"])
        client = Client()
        client.force_login(user)
        start = (timezone.localdate() - timedelta(days=340)).isoformat()
        ledger_query = "?period=30d" if args.quick else f"?period=custom&start={start}"
        interactive_url = reverse("ledger:member_detail", args=[shop.pk, DEMO_IDENTIFIERS["kingdee_member_id"]])

        def interactive_page() -> float:
            begun = time.perf_counter()
            response = client.get(interactive_url)
            assert response.status_code == 200, response.status_code
            return (time.perf_counter() - begun) * 1000

        # Warm-up, at no latency: tokens fetched, templates loaded, the bench shop's data built in the sandbox.
        interactive_page()
        client.get(reverse("ledger:shop_ledger") + f"?connection={big_shop.pk}")
        requests.post(
            f"{sandbox_url}/_sandbox/config", json={"kingdee": {"latency_ms": args.latency_ms}}, timeout=5
        ).raise_for_status()
        before = counters()
        idle = [interactive_page() for _ in range(samples)]
        calls_per_page = data_calls(before, counters()) / samples

        exports = [
            ("Kingdee member, 10,000 records", "ledger:member_export",
             [shop.pk, DEMO_IDENTIFIERS["kingdee_member_id_10k"]], f"?period=custom&start={start}", False),
            ("Kingdee shop ledger (bench shop)", "ledger:shop_ledger_export", [],
             f"{ledger_query}&connection={big_shop.pk}", True),
        ]  # fmt: skip
        busy: list[float] = []
        for label, url_name, url_args, query, measure_interactive in exports:
            with consumer_log.open("ab") as output:  # a consumer per export: its own peak RSS
                consumer = subprocess.Popen(
                    [PYTHON, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread"],
                    cwd=ROOT,
                    env=os.environ.copy(),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            time.sleep(2)  # the consumer up and polling
            before = counters()
            begun = time.perf_counter()
            response = client.post(reverse(url_name, args=url_args) + query, {"format": "xlsx"})
            assert response.status_code in (200, 302), response.status_code
            job = ExportJob.objects.latest("pk")
            pages_during = 0
            deadline = time.monotonic() + MAX_WAIT_SECONDS
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
                    break
                if measure_interactive:
                    busy.append(interactive_page())
                    pages_during += 1
                else:
                    time.sleep(0.2)
            wall = time.perf_counter() - begun
            after = counters()
            calls = data_calls(before, after) - round(pages_during * calls_per_page)
            rss = peak_rss_mb(consumer.pid)
            consumer.send_signal(signal.SIGINT)
            consumer.wait(timeout=60)
            consumer = None
            ideal = max(calls, 1) * args.latency_ms / 1000 / CONCURRENCY
            rows.append(
                (
                    label,
                    f"{job.status}, {job.rows_written:,} rows, {calls} vendor calls, {wall:.1f} s "
                    f"(ratio {wall / ideal:.2f}), consumer peak RSS {rss:.0f} MB, "
                    f"{violations(after) - violations(before)} rate-limit violations",
                    "RSS < 200 MB, 0 violations",
                )
            )
        rows.append(
            (
                "interactive member page p95, idle / during the ledger export",
                f"{p95(idle):.0f} ms / {p95(busy):.0f} ms ({p95(busy) / p95(idle):.2f}x; {samples} idle, "
                f"{len(busy)} busy pages)",
                "<= 1.5x",
            )
        )
    finally:
        if consumer is not None:
            consumer.kill()
            consumer.wait(timeout=10)
        sandbox.terminate()
        sandbox.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        work.cleanup()

    print(f"sandbox latency {args.latency_ms} ms a call, {CONCURRENCY} pages at once per job")
    width = max(len(name) for name, _, _ in rows)
    for name, figure, goal in rows:
        print(f"{name.ljust(width)}  {figure}  [{goal}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
