"""Audit-log benchmark: the pages that read the audit log, on a log of a busy desk's years.

  .venv/bin/python bench/audit_bench.py [--rows 2000000] [--samples 7]

The audit log only grows (every member page view writes a row). This script creates a throwaway PostgreSQL
database, migrates it, fills the log with `--rows` entries of 50 users over two years, and times, in process
with Django's test client, the pages an admin or a support agent opens: the audit log unfiltered, for one
member ("Who looked this member up"), for one day, for one user, and the lookup page with its recent searches.
No vendor is asked. It prints the median of `--samples` requests each and drops the database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages are importable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "pointsadmin_audit_bench"
USERS = 50

# Two years of a desk: lookups, the member pages they lead to, and the rest; targets among 100,000 members.
FILL = """
INSERT INTO ledger_auditentry (created_at, user_id, username, action, connection_id, target, details)
SELECT now() - (n %% 730) * interval '1 day' - (n %% 86400) * interval '1 second',
       u.id, u.username,
       (ARRAY['member_lookup', 'member_view', 'member_view', 'member_view', 'member_panel_view'])[1 + n %% 5],
       NULL, (100000 + (n::bigint * 7919) %% 100000)::text, '{}'::jsonb
FROM generate_series(1, %(rows)s) AS n
JOIN auth_user AS u ON u.username = 'desk' || (n %% %(users)s)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--samples", type=int, default=7)
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
    os.environ.update(
        DEBUG="false",
        SECRET_KEY=Fernet.generate_key().decode() * 2,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="pointsadmin.settings",
    )
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
        import django

        django.setup()
        from django.contrib.auth.models import Group, User
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        admin_user = User.objects.create_user("bench-admin")
        admin_user.groups.add(Group.objects.get(name="Admin"))
        support = Group.objects.get(name="Support")
        for number in range(USERS):
            User.objects.create_user(f"desk{number}").groups.add(support)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(FILL, {"rows": args.rows, "users": USERS})
            cursor.execute("VACUUM ANALYZE ledger_auditentry")
        print(f"filled {args.rows:,} audit entries in {time.perf_counter() - started:.0f} s")

        desk_user = User.objects.get(username="desk7")
        day = (timezone.localdate() - timedelta(days=100)).isoformat()
        pages = [
            ("audit log, no filter", "bench-admin", "/audit/"),
            ("audit log, one member (Who looked this member up)", "bench-admin", "/audit/?target=100042"),
            ("audit log, one day", "bench-admin", f"/audit/?start={day}&end={day}"),
            ("audit log, one user", "bench-admin", f"/audit/?user={desk_user.pk}"),
            ("audit log, one user's lookups, page 200", "bench-admin",
             f"/audit/?user={desk_user.pk}&action=member_lookup&page=200"),
            ("lookup page with recent searches (support)", "desk7", "/members/"),
        ]  # fmt: skip
        width = max(len(name) for name, _, _ in pages)
        print(f"{'page'.ljust(width)}  median of {args.samples}")
        for name, username, url in pages:
            client = Client()
            client.force_login(User.objects.get(username=username))
            client.get(url)  # warm: templates, the connection
            timings = []
            for _ in range(args.samples):
                begun = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - begun) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"bench: {url} answered {response.status_code}")
            print(f"{name.ljust(width)}  {statistics.median(timings):8.1f} ms")
        connection.close()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
