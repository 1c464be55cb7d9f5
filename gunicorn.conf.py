"""gunicorn settings for production: `gunicorn pointsadmin.wsgi` picks this file up by itself.

Threads suit this workload: a page spends its time waiting on vendor APIs, not on the CPU.
Every value can be overridden with GUNICORN_* style flags on the command line.
"""

import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
# A page holds its thread while it waits on a vendor (~100 ms or more): 16 threads a worker keep 64 pages in
# flight on 4 workers. Each thread keeps its own PostgreSQL connection for CONN_MAX_AGE seconds, so the
# database must allow hosts x workers x threads connections (README, "Deploying").
threads = int(os.environ.get("GUNICORN_THREADS", 16))
# A vendor call times out well before this (connection timeout ≤ 120 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 150))
graceful_timeout = 30
# No keep-alive: a kept-alive connection stays with the worker that accepted it, so a few busy clients (or a
# proxy's pooled connections) pin the load on some workers while others idle (bench/README.md).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 0))
# Load and warm the app once in the master (pointsadmin.startup.warm_up), before forking: every worker,
# including one restarted after max_requests, starts with its views imported and templates compiled.
# A code change therefore needs a restart of gunicorn, not just a HUP.
preload_app = True
max_requests = 5000
max_requests_jitter = 500
# Our request log is the access log (one JSON line per request); gunicorn's would repeat it.
accesslog = None
errorlog = "-"


def on_starting(server):
    """Refuse several workers on the local-memory cache: each would keep its own vendor tokens, which kill each
    other's, and its own rate limits, which together exceed the vendors' (README, "Deploying")."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pointsadmin.settings")
    from pointsadmin.checks import cache_is_per_process
    from pointsadmin.startup import exit_on_configuration_error

    exit_on_configuration_error()

    if server.cfg.workers > 1 and cache_is_per_process():
        sys.exit(
            f"Refusing to start {server.cfg.workers} workers on the local-memory cache: "
            "set CACHE_URL to a shared Redis, or GUNICORN_WORKERS=1."
        )
