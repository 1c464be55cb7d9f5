"""Test settings: the production settings with fixed throwaway keys and plain static storage.

DATABASE_URL and CACHE_URL still come from the environment, so the same suite runs on
SQLite + local memory and on PostgreSQL + Redis.
"""

import os

# Tests never read a developer's demo .env, and never take DEBUG from anywhere.
os.environ.setdefault("POINTSADMIN_DOTENV", "")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else")
# Two throwaway Fernet keys (newest first), so tests can exercise decrypt-with-old-key and rotation.
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "dGVzdHMtb25seS1mZXJuZXQta2V5LW51bWJlci0wMDE=,dGVzdHMtb25seS1mZXJuZXQta2V5LW51bWJlci0wMDI=",
)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The sandbox listens on 127.0.0.1 (also for the processes a test starts); the tests of the refusal turn it off.
os.environ.setdefault("VENDOR_ALLOW_PRIVATE_HOSTS", "true")
# One key space per test run and xdist worker, so that a shared Redis is never cleared under another run or
# worker; processes a test starts inherit it through the environment. The xdist controller imports these
# settings too, before it starts the workers: what they inherit from it is replaced, once, by their own.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
if os.environ.get("POINTSADMIN_TEST_WORKER") != _worker:
    _base_prefix = os.environ.setdefault(
        "POINTSADMIN_TEST_BASE_PREFIX", os.environ.get("CACHE_KEY_PREFIX") or f"pointsadmin-test-{os.getpid()}"
    )
    os.environ.update(POINTSADMIN_TEST_WORKER=_worker, CACHE_KEY_PREFIX=f"{_base_prefix}-{_worker}")

from pointsadmin.settings import *  # noqa: E402, F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
# Serve static files from the finders, as runserver does: no collectstatic before a test run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The secret sweep (tests/secret_sweep.py) sees every response body.
MIDDLEWARE = [*MIDDLEWARE, "tests.secret_sweep.ResponseRecorderMiddleware"]  # noqa: F405
