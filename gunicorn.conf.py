"""gunicorn settings for production: `gunicorn pointsadmin.wsgi` picks this file up by itself.

Threads suit this workload: a page spends its time waiting on vendor APIs, not on the CPU.
Every value can be overridden with GUNICORN_* style flags on the command line.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 8))
# A vendor call times out well before this (connection timeout ≤ 120 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 150))
graceful_timeout = 30
keepalive = 5
# Load and warm the app once in the master (pointsadmin.startup.warm_up), before forking: every worker,
# including one restarted after max_requests, starts with its views imported and templates compiled.
# A code change therefore needs a restart of gunicorn, not just a HUP.
preload_app = True
max_requests = 5000
max_requests_jitter = 500
# Our request log is the access log (one JSON line per request); gunicorn's would repeat it.
accesslog = None
errorlog = "-"
