"""Security sweep: fuzzed GETs over every route x role against a live server and the vendor sandbox.

  .venv/bin/python bench/security_sweep.py [--variants 12] [--seed 17]

It starts the vendor sandbox and gunicorn (DEBUG off) on free loopback ports with a throwaway SQLite
database and a local-memory cache (never the machine's shared PostgreSQL or Redis), creates one user per role
and the demo connections, and for every route of the URLconf, as every role (anonymous included), sends
`--variants` GETs with junk parameters and junk path values (member ids with "/", unicode, markup, 5,000
characters). It prints: requests, 5xx, bare 500s (a 500 without our page's stylesheet: not our 500 page),
tracebacks in bodies, secrets found (the connections' secrets in any body), and unaudited lookups (a response
of a `@shows_member_data` view that asked a vendor for data but wrote no audit row). Loopback only; every loop
is bounded; everything it started is stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
PASSWORD = "sweep-password-1234"  # noqa: S105 - throwaway users in a throwaway database
ROLES = ("anonymous", "Support", "Manager", "Admin")
OUR_PAGE_MARKER = "css/app.css"  # every page of ours links its stylesheet; gunicorn's bare 500 does not
TRACEBACK = "Traceback (most recent call last)"

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
print(json.dumps({"ids": ids, "secrets": secrets, "routes": list(walk(get_resolver().url_patterns))}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def audit_rows(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT COUNT(*) FROM ledger_auditentry").fetchone()[0]


def vendor_data_calls(sandbox: str) -> int:
    from sandbox.server import routes

    data_paths = {f"calls:{method} {path}" for (method, path), (_, endpoint) in routes().items() if endpoint.data}
    counters = requests.get(f"{sandbox}/_sandbox/counters", timeout=5).json()
    return sum(count for name, count in counters.items() if name in data_paths)


def sweep(base: str, sandbox: str, database: Path, setup: dict[str, Any], variants: int, seed: int) -> dict:
    rng = random.Random(seed)
    figures = dict.fromkeys(["requests", "5xx", "bare 500s", "tracebacks", "secrets found", "unaudited"], 0)
    examples: list[str] = []
    sessions = {role: logged_in(base, role.lower()) for role in ROLES}
    routes = [(route, tagged) for route, tagged in setup["routes"] if "logout" not in route]
    for route, tagged in routes:
        for role in ROLES:
            for _ in range(variants):
                url = base + fill(route, rng, setup["ids"])
                params = {name: rng.choice(JUNK_VALUES) for name in rng.sample(PARAMETERS, rng.randint(0, 4))}
                if tagged and rng.random() < 0.5:
                    params["q"] = rng.choice(JUNK_IDS)
                audits, calls = audit_rows(database), vendor_data_calls(sandbox)
                response = sessions[role].get(url, params=params, timeout=60, allow_redirects=False)
                body = response.text
                figures["requests"] += 1
                problems = []
                if response.status_code >= 500:
                    figures["5xx"] += 1
                    problems.append(f"{response.status_code}")
                    if response.status_code == 500 and OUR_PAGE_MARKER not in body:
                        figures["bare 500s"] += 1
                if TRACEBACK in body:
                    figures["tracebacks"] += 1
                    problems.append("traceback")
                if any(secret in body for secret in setup["secrets"]):
                    figures["secrets found"] += 1
                    problems.append("secret")
                asked_vendor = vendor_data_calls(sandbox) > calls
                if tagged and response.status_code == 200 and asked_vendor and audit_rows(database) == audits:
                    figures["unaudited"] += 1
                    problems.append("unaudited")
                if problems and len(examples) < 20:
                    examples.append(f"{role} {response.request.url[:160]}: {', '.join(problems)}")
    figures["examples"] = examples
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=12, help="GETs per route and role (bounded)")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    variants = max(1, min(args.variants, 200))
    with tempfile.TemporaryDirectory(prefix="security-sweep-") as folder, ExitStack() as stack:
        tmp = Path(folder)
        database = tmp / "sweep.sqlite3"
        sandbox_port, web_port = free_port(), free_port()
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        base = f"http://127.0.0.1:{web_port}"
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": Fernet.generate_key().decode() * 2,
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DATABASE_URL": f"sqlite:///{database}",
            "CACHE_URL": "",  # the local-memory cache: never the shared Redis
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
        gunicorn = [PYTHON, "-m", "gunicorn", "pointsadmin.wsgi", "-b", f"127.0.0.1:{web_port}", "-w", "1",
                    "--threads", "4", "--timeout", "60"]  # fmt: skip
        stack.enter_context(process(gunicorn, env, f"{base}/healthz", tmp / "gunicorn.log"))
        started = time.monotonic()
        figures = sweep(base, sandbox, database, setup, variants, args.seed)
        elapsed = time.monotonic() - started
    examples = figures.pop("examples")
    print(f"security sweep: {len(setup['routes'])} routes x {len(ROLES)} roles x {variants} GETs in {elapsed:.0f} s")
    for name, value in figures.items():
        print(f"  {name:<14} {value}")
    for example in examples:
        print(f"  e.g. {example}")
    return 0 if not any(figures[name] for name in ("bare 500s", "tracebacks", "secrets found", "unaudited")) else 1


if __name__ == "__main__":
    raise SystemExit(main())
