"""Page-level benchmark: one run prints one table (see bench/README.md for the method).

  .venv/bin/python bench/page_bench.py [--seconds 20] [--workers 4] [--threads 16] [--keep-alive 0]

It starts the vendor sandbox and gunicorn (production settings, PostgreSQL + Redis on 127.0.0.1) on free
loopback ports, creates a throwaway database, user and connections, measures, and stops everything.
Needs `wrk` (apt-get install wrk) for the load figure. Every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages are importable
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
BENCH_DB = "pointsadmin_bench"
PASSWORD = "bench-password-1234"  # noqa: S105 - a throwaway user in a throwaway database


from sandbox.demo import DEMO_IDENTIFIERS  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"bench: {url} did not come up within {seconds} s")


def django_env(sandbox_url: str) -> dict[str, str]:
    database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "DATABASE_URL": database_url,
        "CACHE_URL": REDIS_URL,
        "VENDOR_ALLOW_PRIVATE_HOSTS": "true",  # the sandbox is on 127.0.0.1
        "CACHE_KEY_PREFIX": "pointsadmin-bench",
        # As in production: one JSON line per request (written to a file, counted after the load).
        "LOG_LEVEL": "INFO",
        "SANDBOX_URL": sandbox_url,
        "PYTHONPATH": str(ROOT),
    }


def prepare_database(env: dict[str, str], role: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    setup = f"""
import json
from django.contrib.auth.models import Group, User
from connections.models import VendorConnection
from sandbox.demo import DEMO_CONNECTIONS
user = User.objects.create_user("bench", password={PASSWORD!r})
user.groups.add(Group.objects.get(name={role!r}))
ids = {{}}
for demo in DEMO_CONNECTIONS:
    connection = VendorConnection.objects.create(
        name=demo["name"], vendor=demo["vendor"], base_url={env["SANDBOX_URL"]!r}, credentials=demo["credentials"]
    )
    ids[demo["dataset"]] = connection.pk
print(json.dumps(ids))
"""
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextmanager
def process(args: list[str], env: dict[str, str], health_url: str, log: Path | None = None):
    """Run `args` until the block ends; its output goes to `log` (a pipe nobody reads would stall it)."""
    with open(log or os.devnull, "wb") as output:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for(health_url)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def request_log_lines(log: Path) -> int:
    """How many JSON request lines (pointsadmin.logging.RequestLogMiddleware) the log holds so far."""
    with open(log, encoding="utf-8", errors="replace") as lines:
        return sum('"logger": "pointsadmin.request"' in line for line in lines)


def logged_in_session(base: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit("bench: could not log in")
    return session


def set_latency(sandbox: str, milliseconds: int) -> None:
    knobs = {vendor: {"latency_ms": milliseconds, "fault": None} for vendor in ("xinyue", "xiaoe", "kingdee")}
    requests.post(f"{sandbox}/_sandbox/config", json=knobs, timeout=5).raise_for_status()


def timed_get(session: requests.Session, url: str, **kwargs: Any) -> float:
    started = time.perf_counter()
    response = session.get(url, timeout=30, **kwargs)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"bench: {url} answered {response.status_code}")
    return elapsed


# wrk prints 50/75/90/99th percentiles; this script makes it print the 50th and 95th, in microseconds.
WRK_PERCENTILES = """
done = function(summary, latency, requests)
  io.write(string.format("percentiles %d %d %d\\n", latency:percentile(50), latency:percentile(95), summary.requests))
end
"""


def wrk_latency(url: str, cookie: str, *, seconds: int) -> tuple[float, float, int]:
    """p50 and p95 in ms of requests made one at a time by wrk, and how many were made."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_PERCENTILES)
    try:
        wrk = subprocess.run(
            ["wrk", "-t1", "-c1", f"-d{seconds}s", "-s", script.name, "-H", f"Cookie: {cookie}", url],
            capture_output=True, text=True, timeout=seconds + 60, check=True,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk.stdout)
    if errors:
        raise SystemExit(f"bench: {url} answered {errors.group(1)} errors")
    p50, p95, count = re.search(r"percentiles (\d+) (\d+) (\d+)", wrk.stdout).groups()
    return int(p50) / 1000, int(p95) / 1000, int(count)


def wrk_load(url: str, cookie: str, *, seconds: int) -> tuple[float, str, str, int]:
    """Requests per second, mean latency, non-2xx count and number of requests of 50 connections for `seconds`."""
    wrk = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--timeout", "10s", "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk.stdout)
    latency = re.search(r"Latency\s+(\S+)", wrk.stdout).group(1)
    count = int(re.search(r"(\d+) requests in", wrk.stdout).group(1))
    return rate, latency, errors.group(1) if errors else "0", count


def machine_reference() -> str:
    """How fast this machine is at what a page does (Python, syscalls): figures of different machines differ."""
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        sum(range(100_000))
        timings.append(time.perf_counter() - started)
    python_ms = min(timings) * 1000
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rtts = []
        for _ in range(500):
            started = time.perf_counter()
            client.sendall(b"x")
            peer.recv(1)
            peer.sendall(b"y")
            client.recv(1)
            rtts.append((time.perf_counter() - started) * 1e6)
        client.close()
        peer.close()
    return f"sum(range(100_000)) {python_ms:.2f} ms; loopback round trip {statistics.median(rtts):.0f} µs"


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds_by_part(gunicorn_pid: int, sandbox_pid: int) -> dict[str, float]:
    """CPU seconds used so far by each part of the stack, read from /proc (user + system time)."""
    stats: dict[int, tuple[int, str, float]] = {}  # pid -> (parent, command, cpu seconds)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        command = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry.name)] = (int(fields[1]), command, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)

    def under(pid: int, root: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = stats.get(pid, (0, "", 0.0))[0]
        return False

    parts = dict.fromkeys(("gunicorn", "sandbox", "PostgreSQL", "Redis"), 0.0)
    for pid, (_, command, seconds) in stats.items():
        if under(pid, gunicorn_pid):
            parts["gunicorn"] += seconds
        elif under(pid, sandbox_pid):
            parts["sandbox"] += seconds
        elif command.startswith("postgres"):
            parts["PostgreSQL"] += seconds
        elif command.startswith("redis-server"):
            parts["Redis"] += seconds
    parts["wrk"] = (
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime
    )
    return parts


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="length of the wrk load (default 20)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--keep-alive", type=int, default=0, help="gunicorn's keep-alive in seconds (default 0)")
    parser.add_argument("--samples", type=int, default=100, help="requests per latency figure (default 100)")
    # Support staff make most page views; an Admin's page also embeds every row's raw vendor reply.
    parser.add_argument("--role", default="Support", choices=["Support", "Manager", "Admin"])
    args = parser.parse_args()

    reference = machine_reference()  # first, on an idle machine
    sandbox_port, web_port = free_port(), free_port()
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    base = f"http://127.0.0.1:{web_port}"
    env = django_env(sandbox)
    rows: list[tuple[str, str, str]] = []
    sandbox_cmd = [PYTHON, "-m", "sandbox", "--port", str(sandbox_port)]
    cpu_line = ""
    with process(sandbox_cmd, env, f"{sandbox}/_sandbox/health") as sandbox_process:
        ids = prepare_database(env, args.role)
        gunicorn = [
            str(Path(PYTHON).parent / "gunicorn"), "pointsadmin.wsgi", "--bind", f"127.0.0.1:{web_port}",
            "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
            "--keep-alive", str(args.keep_alive),
        ]  # fmt: skip
        gunicorn_log = Path(tempfile.mkdtemp(prefix="page-bench-")) / "gunicorn.log"
        with process(gunicorn, env, f"{base}/healthz", log=gunicorn_log) as gunicorn_process:
            session = logged_in_session(base)
            default_page = f"{base}/members/{ids['kingdee-sh']}/{DEMO_IDENTIFIERS['kingdee_member_id']}/"
            member_page = f"{default_page}?page_size=50"
            timed_get(session, member_page)  # warm up: tokens, connections

            # 1. Cross-vendor lookup: the all-at-once page (?all=1, for browsers without JavaScript) calls
            #    every vendor at once.
            set_latency(sandbox, 200)
            query = DEMO_IDENTIFIERS["shared_mobile"]
            lookup = [timed_get(session, f"{base}/members/", params={"q": query, "all": "1"}) for _ in range(10)]
            single = []
            for connection_id in (ids["kingdee-sh"], ids["kingdee-hz"], ids["xiaoe"]):  # the vendors a mobile asks
                panel = f"{base}/members/panel/{connection_id}/"
                single.append(statistics.median(timed_get(session, panel, params={"q": query}) for _ in range(10)))
            ratio = statistics.median(lookup) / max(single)
            rows.append(
                (
                    "cross-vendor lookup ÷ slowest vendor (200 ms each)",
                    f"{ratio:.2f} ({statistics.median(lookup) * 1000:.0f} ms ÷ {max(single) * 1000:.0f} ms)",
                    "≤ 1.15",
                )
            )

            # 2. Server overhead per member page with 50 rows, zero-latency sandbox: one connection of wrk
            #    (a C client: a Python client would add ~5 ms of its own per request on a slow machine).
            set_latency(sandbox, 0)
            cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
            if shutil.which("wrk"):
                p50, p95, count = wrk_latency(member_page, cookie, seconds=max(5, args.seconds // 2))
                figure = f"{p50:.1f} / {p95:.1f} ms ({count} requests, one at a time)"
            else:
                samples = [timed_get(session, member_page) * 1000 for _ in range(args.samples)]
                figure = f"{percentile(samples, 0.5):.1f} / {percentile(samples, 0.95):.1f} ms (Python client)"
            rows.append(("member page, 50 rows, zero-latency vendor: p50 / p95", figure, "p50 ≤ 15 ms"))

            # 3. Load: 50 concurrent users on the member page, vendor latency 100 ms.
            # No /_sandbox/reset here: it also forgets the tokens issued, and the next page would fetch a new one.
            set_latency(sandbox, 100)
            before_load = requests.get(f"{sandbox}/_sandbox/counters", timeout=5).json()
            logged_lines = load_views = 0
            if shutil.which("wrk"):
                # The page as a support agent first sees it (default 20 rows), then with 50 rows.
                for label, url in (("default member page", default_page), ("member page, 50 rows", member_page)):
                    before = cpu_seconds_by_part(gunicorn_process.pid, sandbox_process.pid)
                    logged_before = request_log_lines(gunicorn_log)
                    rate, latency, errors, views = wrk_load(url, cookie, seconds=args.seconds)
                    logged_lines += request_log_lines(gunicorn_log) - logged_before
                    load_views += views
                    after = cpu_seconds_by_part(gunicorn_process.pid, sandbox_process.pid)
                    if label == "default member page":
                        # Where the machine's CPU went, per page view: the ceiling is cores x 1000 ms / the total.
                        per_view = {part: (after[part] - before[part]) * 1000 / views for part in after}
                        total = sum(per_view.values())
                        cpu_line = (
                            f"CPU per default page view under load: {total:.1f} ms ("
                            + ", ".join(f"{part} {ms:.1f}" for part, ms in per_view.items())
                            + f"); {os.cpu_count()} cores allow at most {os.cpu_count() * 1000 / total:.0f}/s"
                        )
                        # In production the vendor runs elsewhere: what the dashboard's own stack would allow.
                        own = total - per_view["sandbox"] - per_view["wrk"]
                        cores = os.cpu_count() or 1
                        cpu_line += (
                            f"\nwithout the sandbox and wrk (the vendor and the users run elsewhere): {own:.1f} ms per"
                            f" view; {cores} cores of its own would allow at most {cores * 1000 / own:.0f}/s"
                        )
                    rows.append(
                        (
                            f"{label}: views/s, 50 users, vendor 100 ms ({args.workers}x{args.threads} gthread,"
                            f" keep-alive {args.keep_alive} s)",
                            f"{rate:.0f}/s (mean latency {latency}, non-2xx {errors})",
                            "≥ 100/s",
                        )
                    )
            else:
                rows.append(("page views/s under load", "not measured: wrk is not installed", "≥ 100/s"))
            counters = requests.get(f"{sandbox}/_sandbox/counters", timeout=5).json()
            # Per connection (vendor:account), over the whole run: the warm-up's fetch and any during the load.
            per_account = re.compile(r"token_fetches:\w+:[\w-]+")
            fetches = {k.split(":", 1)[1]: n for k, n in counters.items() if per_account.fullmatch(k)}
            violation_key = "rate_limit_violations:xiaoe"
            violations = counters.get(violation_key, 0) - before_load.get(violation_key, 0)
            rows.append(("token fetches in the whole run, per connection", json.dumps(fetches), "1 per connection"))
            rows.append(("rate-limit violations during the load", str(violations), "0"))
            if load_views:
                rows.append(
                    (
                        "JSON request log lines during the load",
                        f"{logged_lines} for {load_views} page views",
                        "one per request",
                    )
                )

    print(f"machine: {os.cpu_count()} cores; {reference}")
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure'.ljust(width)}  {'figure':40}  goal")
    for name, figure, goal in rows:
        print(f"{name.ljust(width)}  {figure:40}  {goal}")
    if cpu_line:
        print(cpu_line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
