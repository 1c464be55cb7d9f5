"""Export benchmark: background export jobs against the sandbox at 200 ms a call (method in bench/README.md).

  .venv/bin/python bench/export_bench.py [--latency-ms 200] [--samples 30]

Starts the vendor sandbox and a huey consumer (`manage.py run_huey`, production settings, DEBUG off) on
PostgreSQL (a throwaway database) and Redis on 127.0.0.1, then runs three exports one after another: a 10,000-record
Kingdee member history, the same for a Xiaoe member over 12 months, and a ~100,000-row Kingdee shop ledger (the
sandbox's bench shop). For each: vendor calls, wall time, the ratio of wall time to calls x latency / concurrency,
the consumer's peak RSS, rate-limit violations; and the p95 of an interactive member page while the big export
runs against its p95 with nothing running. Bounded in count and time.
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
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
BENCH_DB = "pointsadmin_export_bench"
CONCURRENCY = 4
MAX_WAIT_SECONDS = 900  # per export


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(export_root: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        "DEBUG": "false",
        "POINTSADMIN_DOTENV": "",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB,
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"pointsadmin-export-bench-{os.getpid()}",
        "EXPORT_ROOT": str(export_root),
        "STATIC_ROOT": str(export_root.parent / "static"),
        "EXPORT_JOB_CONCURRENCY": str(CONCURRENCY),
        "EXPORT_QUICK_SECONDS": "0",
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
    return ordered[int(0.95 * (len(ordered) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--samples", type=int, default=30, help="interactive pages for the idle p95 (default 30)")
    args = parser.parse_args()

    import psycopg
    import requests

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    work = TemporaryDirectory(prefix="export-bench-")
    env = environment(Path(work.name) / "exports")
    os.environ.update(env)
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
                requests.get(f"{sandbox_url}/_sandbox/health", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        knobs = {"latency_ms": args.latency_ms}
        requests.post(f"{sandbox_url}/_sandbox/config", json=dict.fromkeys(("kingdee", "xiaoe"), knobs), timeout=5)

        def counters() -> dict[str, int]:
            return requests.get(f"{sandbox_url}/_sandbox/counters", timeout=5).json()

        def data_calls(before: dict[str, int], after: dict[str, int], path: str) -> int:
            return after.get(f"calls:{path}", 0) - before.get(f"calls:{path}", 0)

        roles.ensure_roles()
        user = User.objects.create_user("bench-manager", password="bench-password-1234")  # noqa: S106
        user.groups.add(Group.objects.get(name=roles.MANAGER))
        credentials = {account["vendor"]: account["credentials"] for account in TEST_ACCOUNTS}

        def connection(name: str, vendor: str, creds: dict[str, str]) -> VendorConnection:
            return VendorConnection.objects.create(name=name, vendor=vendor, base_url=sandbox_url, credentials=creds)

        shop = connection("精斗云·上海旗舰店", "kingdee", credentials["kingdee"])
        xiaoe = connection("小鹅通·知识店铺", "xiaoe", credentials["xiaoe"])
        big_shop = connection("精斗云·基准店", "kingdee", BENCH_ACCOUNTS[0]["credentials"])
        client = Client()
        client.force_login(user)
        start = (timezone.localdate() - timedelta(days=340)).isoformat()
        interactive_url = reverse("ledger:member_detail", args=[shop.pk, DEMO_IDENTIFIERS["kingdee_member_id"]])

        def interactive_page() -> float:
            begun = time.perf_counter()
            response = client.get(interactive_url)
            assert response.status_code == 200, response.status_code
            return (time.perf_counter() - begun) * 1000

        interactive_page()  # token fetched, templates loaded
        before = counters()
        idle = [interactive_page() for _ in range(args.samples)]
        calls_per_page = data_calls(before, counters(), "GET /jdy/v2/ls/integral_record") / args.samples

        exports = [
            ("Kingdee member, 10,000 records", "ledger:member_export",
             [shop.pk, DEMO_IDENTIFIERS["kingdee_member_id_10k"]], f"?period=custom&start={start}",
             "GET /jdy/v2/ls/integral_record", False),
            ("Xiaoe member, 10,000 records, 12 months", "ledger:member_export",
             [xiaoe.pk, DEMO_IDENTIFIERS["xiaoe_user_id_10k"]], f"?period=custom&start={start}",
             "POST /xe.account.flow.list/1.0.0", False),
            ("Kingdee shop ledger, ~100,000 rows", "ledger:shop_ledger_export", [],
             f"?connection={big_shop.pk}&period=custom&start={start}", "GET /jdy/v2/ls/integral_record", True),
        ]  # fmt: skip
        busy: list[float] = []
        for label, url_name, url_args, query, path, measure_interactive in exports:
            with consumer_log.open("ab") as output:  # a consumer per export: its own peak RSS
                consumer = subprocess.Popen(
                    [PYTHON, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread"],
                    cwd=ROOT,
                    env=os.environ.copy(),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            time.sleep(2)
            before = counters()
            begun = time.perf_counter()
            client.post(reverse(url_name, args=url_args) + query, {"format": "xlsx"})
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
            calls = data_calls(before, after, path) - round(pages_during * calls_per_page)
            violations = sum(value for key, value in after.items() if key.startswith("rate_limit_violations:")) - sum(
                value for key, value in before.items() if key.startswith("rate_limit_violations:")
            )
            rss = peak_rss_mb(consumer.pid)
            consumer.send_signal(signal.SIGINT)
            consumer.wait(timeout=30)
            consumer = None
            ideal = calls * args.latency_ms / 1000 / CONCURRENCY
            rows.append(
                (
                    label,
                    f"{job.status}, {job.rows_written:,} rows, {calls} calls, {wall:.1f} s (ratio {wall / ideal:.2f}), "
                    f"peak RSS {rss:.0f} MB, {violations} violations",
                    "RSS < 200 MB, 0 violations",
                )
            )
        rows.append(
            (
                "interactive member page p95, idle / during the ledger export",
                f"{p95(idle):.0f} ms / {p95(busy):.0f} ms ({p95(busy) / p95(idle):.2f}x, {len(busy)} pages)",
                "<= 1.5x",
            )
        )
    finally:
        if consumer is not None:
            consumer.kill()
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
