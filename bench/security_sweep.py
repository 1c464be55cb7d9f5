"""Security sweep: fuzzed GETs over every route x role against a live server and the vendor sandbox.

  .venv/bin/python bench/security_sweep.py [--variants 12] [--seed 17]

It starts the vendor sandbox and gunicorn (DEBUG off) on free loopback ports with a throwaway SQLite
database and a local-memory cache (never the machine's shared PostgreSQL or Redis), creates one user per role
and the demo connections, and for every route of the URLconf, as every role (anonymous included), sends
`--variants` GETs with junk parameters and junk path values (member ids with "/", unicode, markup, 5,000
characters). It prints: requests, 5xx, bare 500s (a 500 without our page's stylesheet: not our 500 page),
tracebacks in bodies, secrets found (the connections' secrets in any body), and unaudited lookups (a response
that asked a vendor for data but wrote no audit row, whatever its route). Loopback only; every loop is bounded;
everything it started is stopped.

  .venv/bin/python bench/security_sweep.py --production [--variants 6] [--load-seconds 50]

runs the same sweep against a production-like deployment: gunicorn (2 workers) on a throwaway PostgreSQL and a
throwaway Redis of its own on free ports (tests/throwaway_servers.py; never the shared 5432/6379), then again with
the sandbox's `hostile_data` knob on (every kind, over the fuzzed routes and the real member pages), then a load
of parallel page views and logins during which Redis is stopped for ~10 s and, later, PostgreSQL for ~10 s. It
prints the same figures per phase and in total, logins refused, our 500 pages, connection errors, and what the
gunicorn log holds (tracebacks, chained ones, secrets). Unaudited lookups are counted in the sequential phases
only (under load, a row cannot be matched to its response).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 - after the project is on the path
from cryptography.fernet import Fernet  # noqa: E402

from tests.throwaway_servers import ThrowawayPostgres, ThrowawayRedis, free_port  # noqa: E402

PYTHON = sys.executable
PASSWORD = "sweep-password-1234"  # noqa: S105 - throwaway users in a throwaway database
ROLES = ("anonymous", "Support", "Manager", "Admin")
OUR_PAGE_MARKER = "css/app.css"  # every page of ours links its stylesheet; gunicorn's bare 500 does not
TRACEBACK = "Traceback (most recent call last)"
TRY_AGAIN_SHORTLY = "暂时无法使用，请稍后"  # noqa: RUF001 - a vendor panel's words while Redis is down

JUNK_VALUES = [
    "", "0", "-1", "1", "999999999999999999999", "1e400", "NaN", "abc", "<script>alert(1)</script>",
    "' OR 1=1 --", "2025-13-45", "../../etc/passwd", "漢字テスト", "\u202etxt", "x" * 5000, "%00", "[]", "{}",
]  # fmt: skip
JUNK_IDS = [
    "/", "a/b", "shop/M001", "..", "%2F", "<script>", "漢字", "x" * 5000, "M001", "100001",
    "u_demo_000001", "oXyDemo0000000000000001", "13800001111", " ", "a?b#c",
]  # fmt: skip
PARAMETERS = [
    "q", "connection", "period", "start", "end", "page", "page_size", "sort", "order", "ids", "type_code",
    "member_id", "mobile", "direction", "action", "user", "next",
]  # fmt: skip

SETUP = """
import json
from django.contrib.auth.models import Group, User
from django.urls import URLPattern, URLResolver, get_resolver
from audit.decorators import is_member_data_view
from connections.models import VendorConnection
from sandbox.demo import DEMO_CONNECTIONS
from vendors.registry import vendor_profile
from pointsadmin.roles import ensure_roles
ensure_roles()
for role in ("Support", "Manager", "Admin"):
    user = User.objects.create_user(role.lower(), password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
ids, secrets = [], []
for demo in DEMO_CONNECTIONS:
    connection = VendorConnection.objects.create(
        name=demo["name"], vendor=demo["vendor"], base_url=SANDBOX, credentials=demo["credentials"]
    )
    ids.append(connection.pk)
    # The fields the vendor module calls secret (an app key or client id is sent in the clear and shown again).
    secret_names = {field.name for field in vendor_profile(demo["vendor"]).credential_fields if field.secret}
    secrets += [value for name, value in demo["credentials"].items() if name in secret_names]
def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), is_member_data_view(pattern.callback)
vendors = [demo["vendor"] for demo in DEMO_CONNECTIONS]
routes = list(walk(get_resolver().url_patterns))
print(json.dumps({"ids": ids, "vendors": vendors, "secrets": secrets, "routes": routes}))
"""


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit(f"sweep: {url} did not come up within {seconds} s")


@contextmanager
def process(args: list[str], env: dict[str, str], health_url: str, log: Path):
    with open(log, "wb") as output:
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


def logged_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    if username == "anonymous":
        return session
    login = session.get(f"{base}/accounts/login/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=60,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit(f"sweep: could not log in as {username}")
    return session


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def fill(route: str, rng: random.Random, connection_ids: list[int]) -> str:
    """`route` with every converter replaced by a real or a junk value, URL-quoted."""

    def value(match: re.Match[str]) -> str:
        converter = match.group(1) or "str"
        if converter == "int":
            return str(rng.choice([*connection_ids, 0, 424242, 2**63]))
        return quote(rng.choice(JUNK_IDS), safe="/" if converter == "path" else "")

    return "/" + _CONVERTER.sub(value, route)


class AuditRows:
    """Counts audit rows in the site's database (SQLite file or PostgreSQL URL), read-only."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._connection: Any = None

    def count(self) -> int:
        if self.database_url.startswith("sqlite:///"):
            path = self.database_url.removeprefix("sqlite:///")
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
                return connection.execute("SELECT COUNT(*) FROM ledger_auditentry").fetchone()[0]
        import psycopg

        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.database_url, autocommit=True)
        return self._connection.execute("SELECT COUNT(*) FROM ledger_auditentry").fetchone()[0]


def vendor_data_calls(sandbox: str) -> int:
    from sandbox.server import routes

    data_paths = {f"calls:{method} {path}" for (method, path), (_, endpoint) in routes().items() if endpoint.data}
    counters = requests.get(f"{sandbox}/_sandbox/counters", timeout=5).json()
    return sum(count for name, count in counters.items() if name in data_paths)


def set_hostile_data(sandbox: str, kind: str | None) -> None:
    knobs = {vendor: {"hostile_data": kind} for vendor in ("xinyue", "xiaoe", "kingdee")}
    requests.post(f"{sandbox}/_sandbox/config", json=knobs, timeout=5).raise_for_status()


FIGURES = ("requests", "5xx", "bare 500s", "tracebacks", "secrets found", "unaudited")


class Tally:
    """The figures of one phase; `judge` is thread-safe (the load phase calls it from several threads)."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = secrets
        self.figures: Counter[str] = Counter(dict.fromkeys(FIGURES, 0))
        self.statuses: Counter[int] = Counter()
        self.examples: list[str] = []
        self._lock = threading.Lock()

    def judge(
        self, label: str, response: requests.Response | None, unaudited: bool = False, vendor_data: bool = False
    ) -> None:
        with self._lock:
            self.figures["requests"] += 1
            if response is None:
                self.figures["connection errors"] += 1
                self._example(f"{label}: no answer")
                return
            body = response.text
            self.statuses[response.status_code] += 1
            problems = []
            if response.status_code >= 500:
                self.figures["5xx"] += 1
                # Ours (500.html links our stylesheet; its plain fallback names its language); gunicorn's has neither.
                if response.status_code == 500 and OUR_PAGE_MARKER not in body and 'lang="' not in body:
                    self.figures["bare 500s"] += 1
                    problems.append("bare 500")
                elif response.status_code == 500:
                    self.figures["our 500 page"] += 1
                    problems.append("our 500")
            if TRY_AGAIN_SHORTLY in body:
                self.figures["panels: try again shortly"] += 1
            if TRACEBACK in body:
                self.figures["tracebacks"] += 1
                problems.append("traceback")
            if any(secret in body for secret in self.secrets):
                self.figures["secrets found"] += 1
                problems.append("secret")
            if vendor_data:  # what "unaudited" is out of
                self.figures["answers with vendor data"] += 1
            if unaudited:
                self.figures["unaudited"] += 1
                problems.append("unaudited")
            if problems:
                self._example(f"{label} {response.request.url[:140]}: {response.status_code} {', '.join(problems)}")

    def _example(self, text: str) -> None:
        if len(self.examples) < 10:
            self.examples.append(text)


class Site:
    """The running site: its address, the sandbox's, what setup made, and where audit rows are counted."""

    def __init__(self, base: str, sandbox: str, audit: AuditRows, setup: dict[str, Any]) -> None:
        self.base, self.sandbox, self.audit, self.setup = base, sandbox, audit, setup
        self.sessions = {role: logged_in(base, role.lower()) for role in ROLES}

    def get_and_judge(self, tally: Tally, role: str, path: str, params: dict) -> None:
        """One GET, judged; unaudited if it asked a vendor for data and wrote no audit row (on any route: a view
        that shows member data without `@shows_member_data` counts too)."""
        audits, calls = self.audit.count(), vendor_data_calls(self.sandbox)
        try:
            response = self.sessions[role].get(self.base + path, params=params, timeout=60, allow_redirects=False)
        except requests.RequestException:
            tally.judge(role, None)
            return
        vendor_data = response.status_code == 200 and vendor_data_calls(self.sandbox) > calls
        tally.judge(role, response, unaudited=vendor_data and self.audit.count() == audits, vendor_data=vendor_data)


def sweep(site: Site, tally: Tally, variants: int, rng: random.Random) -> None:
    """Every route x role x `variants` GETs with junk parameters and path values."""
    routes = [(route, tagged) for route, tagged in site.setup["routes"] if "logout" not in route]
    for route, tagged in routes:
        for role in ROLES:
            for _ in range(variants):
                path = fill(route, rng, site.setup["ids"])
                params = {name: rng.choice(JUNK_VALUES) for name in rng.sample(PARAMETERS, rng.randint(0, 4))}
                if tagged and rng.random() < 0.5:
                    params["q"] = rng.choice(JUNK_IDS)
                site.get_and_judge(tally, role, path, params)


def real_pages(setup: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The pages people use, with real members: (path, parameters)."""
    from sandbox.demo import DEMO_IDENTIFIERS

    members = {
        "xinyue": DEMO_IDENTIFIERS["xinyue_openid"],
        "xiaoe": DEMO_IDENTIFIERS["xiaoe_user_id"],
        "kingdee": DEMO_IDENTIFIERS["kingdee_member_id"],
    }
    pages: list[tuple[str, dict[str, str]]] = [
        ("/members/", {"q": DEMO_IDENTIFIERS["shared_mobile"], "all": "1"}),
        ("/audit/", {}),
        ("/connections/", {}),
        ("/healthz", {}),
    ]
    for pk, vendor in zip(setup["ids"], setup["vendors"], strict=True):
        member = quote(members[vendor], safe="")
        pages += [
            ("/members/", {"q": members[vendor], "all": "1"}),
            (f"/members/panel/{pk}/", {"q": members[vendor]}),
            (f"/members/{pk}/{member}/", {}),
        ]
        if vendor == "xiaoe":
            pages.append(("/balances/", {"connection": str(pk)}))
        if vendor == "kingdee":
            pages.append(("/ledger/", {"connection": str(pk)}))
    return pages


def hostile_sweep(site: Site, tally: Tally, variants: int, rng: random.Random) -> None:
    """The sweep again, and every real page as every role, with each `hostile_data` kind in turn."""
    from sandbox.hostile import HOSTILE_KINDS

    try:
        for kind in HOSTILE_KINDS:
            set_hostile_data(site.sandbox, kind)
            for path, params in real_pages(site.setup):
                for role in ROLES:
                    site.get_and_judge(tally, role, path, params)
            sweep(site, tally, variants, rng)
    finally:
        set_hostile_data(site.sandbox, None)


def load_with_outages(
    site: Site, servers: tuple[ThrowawayPostgres, ThrowawayRedis], seconds: float, threads: int
) -> dict[str, Tally]:
    """`threads` clients viewing real pages (and one logging in again and again) for `seconds`; Redis is down
    from 20 % to 40 % of the time and PostgreSQL from 60 % to 80 %. Returns a tally per window."""
    postgres, redis_server = servers
    windows = ["before", "Redis down", "between", "PostgreSQL down", "after"]
    tallies = {window: Tally(site.setup["secrets"]) for window in windows}
    logins: dict[str, Counter[str]] = {window: Counter() for window in windows}
    current = {"window": windows[0]}
    stop = threading.Event()
    pages = real_pages(site.setup)

    roles = [ROLES[1 + number % 3] for number in range(threads)]
    sessions = [logged_in(site.base, role.lower()) for role in roles]

    def viewer(number: int) -> None:
        role, session = roles[number], sessions[number]
        rng = random.Random(number)
        while not stop.is_set():
            path, params = rng.choice(pages)
            try:
                response = session.get(site.base + path, params=params, timeout=60, allow_redirects=False)
            except requests.RequestException:
                response = None
            window = current["window"]  # when the answer came: a page cut off by a server stopped counts there
            tallies[window].judge(f"load {role} ({window})", response)

    def login_loop() -> None:
        while not stop.is_set():
            try:
                logged_in(site.base, "support")
                outcome = "ok"
            except (SystemExit, requests.RequestException, AttributeError):
                outcome = "refused"
            logins[current["window"]][outcome] += 1
            time.sleep(0.5)

    workers = [threading.Thread(target=viewer, args=(number,)) for number in range(threads)]
    workers.append(threading.Thread(target=login_loop))
    for worker in workers:
        worker.start()
    slice_seconds = seconds / 5

    def stopped_for_a_slice(name: str, server) -> float:
        current["window"] = f"{name} down"
        down = time.monotonic()
        server.stop()
        time.sleep(slice_seconds)
        server.start()
        return time.monotonic() - down

    try:
        time.sleep(slice_seconds)
        redis_down = stopped_for_a_slice("Redis", redis_server)
        current["window"] = "between"
        time.sleep(slice_seconds)
        postgres_down = stopped_for_a_slice("PostgreSQL", postgres)
        print(f"load: {threads} clients and a login loop for {seconds:.0f} s; Redis down {redis_down:.1f} s, "
              f"PostgreSQL down {postgres_down:.1f} s")  # fmt: skip
        current["window"] = "after"
        time.sleep(slice_seconds)
    finally:
        stop.set()
        redis_server.start()
        for worker in workers:
            worker.join(timeout=90)
    for window in windows:
        tallies[window].figures["logins ok"] += logins[window]["ok"]
        tallies[window].figures["logins refused"] += logins[window]["refused"]
    return tallies


def gunicorn_log_errors(log: Path) -> Counter[str]:
    """The log's errors by message and first cause (our log lines are JSON)."""
    errors: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") in ("ERROR", "CRITICAL"):
            causes = entry.get("causes") or [""]
            errors[f"{entry.get('message', '')[:60]} | {str(causes[0])[:100]} | {str(causes[-1])[:100]}"] += 1
    return errors


def gunicorn_log_figures(log: Path, secrets: list[str]) -> dict[str, int]:
    text = log.read_text(errors="replace")
    return {
        "log lines": text.count("\n"),
        "log tracebacks": text.count(TRACEBACK),
        "log chained tracebacks": text.count("During handling of the above exception"),
        "log secrets": sum(text.count(secret) for secret in secrets),
    }


def print_tally(name: str, tally: Tally) -> None:
    figures = ", ".join(f"{key} {value}" for key, value in tally.figures.items())
    statuses = " ".join(f"{status}:{count}" for status, count in sorted(tally.statuses.items()))
    print(f"  {name:<16} {figures}\n  {'':<16} statuses {statuses}")
    for example in tally.examples:
        print(f"  {'':<16} e.g. {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=12, help="GETs per route and role (bounded)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--production", action="store_true", help="throwaway PostgreSQL + Redis, hostile data, outages under load"
    )
    parser.add_argument("--load-seconds", type=float, default=50, help="the load phase (production; bounded)")
    parser.add_argument("--load-threads", type=int, default=6, help="parallel clients under load (production)")
    args = parser.parse_args(argv)
    variants = max(1, min(args.variants, 200))
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="security-sweep-") as folder, ExitStack() as stack:
        tmp = Path(folder)
        sandbox_port, web_port = free_port(), free_port()
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        base = f"http://127.0.0.1:{web_port}"
        database_url, cache_url, workers = f"sqlite:///{tmp / 'sweep.sqlite3'}", "", "1"
        servers = None
        if args.production:
            postgres, redis_server = ThrowawayPostgres(), ThrowawayRedis()
            stack.callback(postgres.remove)
            postgres.start()
            stack.callback(postgres.stop)
            redis_server.start()
            stack.callback(redis_server.stop)
            import psycopg

            with psycopg.connect(postgres.url(), autocommit=True) as connection:
                connection.execute("CREATE DATABASE sweep")
            database_url, cache_url, workers = postgres.url("sweep"), redis_server.url, "2"
            servers = (postgres, redis_server)
        env = {
            **os.environ,
            "POINTSADMIN_DOTENV": "",
            "DEBUG": "false",
            "SECRET_KEY": Fernet.generate_key().decode() * 2,
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PLAIN_HTTP_TRUSTED_NETWORK": "true",
            "VENDOR_ALLOW_PRIVATE_HOSTS": "true",  # the sandbox is on 127.0.0.1
            "DATABASE_URL": database_url,
            "CACHE_URL": cache_url,  # empty: the local-memory cache; never the shared Redis
            "REDIS_URL": "",
            "STATIC_ROOT": str(tmp / "static"),
            "LOG_LEVEL": "WARNING",
            "SANDBOX_URL": sandbox,
            "PYTHONPATH": str(ROOT),
        }
        stack.enter_context(
            process([PYTHON, "-m", "sandbox", "--port", str(sandbox_port)], env, f"{sandbox}/_sandbox/health",
                    tmp / "sandbox.log")
        )  # fmt: skip
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        script = f"PASSWORD = {PASSWORD!r}\nSANDBOX = {sandbox!r}\n" + SETUP
        out = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        setup = json.loads(out.stdout.strip().splitlines()[-1])
        gunicorn = [PYTHON, "-m", "gunicorn", "pointsadmin.wsgi", "-b", f"127.0.0.1:{web_port}", "-w", workers,
                    "--threads", "4", "--timeout", "60", "--no-control-socket"]  # fmt: skip
        log = tmp / "gunicorn.log"
        stack.enter_context(process(gunicorn, env, f"{base}/healthz", log))
        started = time.monotonic()
        site = Site(base, sandbox, AuditRows(database_url), setup)
        tallies = {"fuzzed GETs": Tally(setup["secrets"])}
        sweep(site, tallies["fuzzed GETs"], variants, rng)
        if servers:
            tallies["hostile data"] = Tally(setup["secrets"])
            hostile_sweep(site, tallies["hostile data"], max(1, variants // 4), rng)
            seconds = max(10.0, min(args.load_seconds, 300.0))
            load = load_with_outages(site, servers, seconds, max(1, min(args.load_threads, 32)))
            tallies.update({f"load: {window}": tally for window, tally in load.items()})
        elapsed = time.monotonic() - started
        log_figures = gunicorn_log_figures(log, setup["secrets"])
        log_errors = gunicorn_log_errors(log)
    total = sum((tally.figures for tally in tallies.values()), Counter())
    mode = "gunicorn + PostgreSQL + Redis" if servers else "gunicorn + SQLite + local memory"
    print(f"security sweep ({mode}): {len(setup['routes'])} routes x {len(ROLES)} roles x {variants} GETs, "
          f"{elapsed:.0f} s")  # fmt: skip
    for name, tally in tallies.items():
        print_tally(name, tally)
    print("  total            " + ", ".join(f"{key} {total[key]}" for key in FIGURES))
    print("  gunicorn log     " + ", ".join(f"{key} {value}" for key, value in log_figures.items()))
    for error, count in log_errors.most_common(20):
        print(f"  {count:>5} x {error}")
    failures = sum(total[name] for name in ("bare 500s", "tracebacks", "secrets found", "unaudited"))
    return 0 if not failures and not log_figures["log secrets"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
