#!/usr/bin/env bash
# The test command behind `make test` (and so behind .ci/run): installs what the browser tests
# need, lints, then runs the suite twice — on SQLite + local memory (the no-environment default)
# and on PostgreSQL + Redis (the production parts), which this machine and CI run on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY="$VENV/bin/python"
# Two workers: the suite waits mostly on subprocesses, sockets and the browser; each worker has its own cache
# prefix, temp dir and test database.
WORKERS=${PYTEST_WORKERS:-2}
PG_TEST_URL=${PG_TEST_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_TEST_URL=${REDIS_TEST_URL:-redis://127.0.0.1:6379/1}

bash scripts/ensure_browser.sh

echo "== lint"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
# The sandbox is a test double with demo credentials and seeded pseudo-random data: not scanned.
"$VENV/bin/bandit" --quiet --configfile pyproject.toml --recursive pointsadmin vendors connections ledger audit accounts exports scripts

echo "== tests on SQLite + local-memory cache"
env -u DATABASE_URL -u CACHE_URL -u REDIS_URL "$PY" -m pytest -n "$WORKERS" "$@"

postgres_up() { "$PY" -c "import psycopg, sys; psycopg.connect('$PG_TEST_URL', connect_timeout=3).close()" 2>/dev/null; }
redis_up() { "$PY" -c "import redis; redis.Redis.from_url('$REDIS_TEST_URL', socket_timeout=3).ping()" 2>/dev/null; }
if postgres_up && redis_up; then
  echo "== tests on PostgreSQL + Redis"
  DATABASE_URL="$PG_TEST_URL" CACHE_URL="$REDIS_TEST_URL" "$PY" -m pytest -n "$WORKERS" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL ($PG_TEST_URL) or Redis ($REDIS_TEST_URL) is not reachable: CI needs both." >&2
  exit 1
else
  echo "== skipped the PostgreSQL + Redis run: set PG_TEST_URL / REDIS_TEST_URL to servers you have."
fi
